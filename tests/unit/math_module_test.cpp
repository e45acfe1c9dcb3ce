// The math module against YARA 4.2.3. Every expected value below was computed by harrier
// and then confirmed by yara itself: one rule per case, `math.f(args) == <value printed
// with %.17g>` (or `not defined math.f(args)`), all matching on the same 4096 bytes. Float
// results are therefore compared bit for bit. The cases cover YARA's quirks: signed chars in
// the string forms, serial correlation's last*last, count/percentage bytes modulo 256,
// unsigned min/max, and 0/0 reported as undefined.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "module_call.h"
#include "modules/module.h"

namespace harrier::modules {
namespace {

using namespace test;  // NOLINT: the call helpers of module_call.h

const std::vector<Case>& oracle_cases() {
  static const std::vector<Case> cases = {
      {"entropy", {I(0), I(4096)}, Flt(7.8497125264655745)},
      {"entropy", {I(0), I(100)}, Flt(6.2736606896881959)},
      {"entropy", {I(1000), I(2000)}, Flt(7.4843016867274326)},
      {"entropy", {I(4000), I(1000)}, Flt(6.1604324225736242)},
      {"entropy", {I(4095), I(1)}, Flt(0.0)},
      {"entropy", {I(10), I(0)}, Flt(0.0)},
      {"entropy", {I(4096), I(1)}, Undef()},
      {"entropy", {I(-1), I(10)}, Undef()},
      {"entropy", {I(0), I(-1)}, Undef()},
      {"entropy", {I(2048), I(1024)}, Flt(8.0)},
      {"entropy", {I(5), I(6)}, Flt(2.5849625007211561)},
      {"entropy", {I(5), I(11)}, Flt(3.4594316186372982)},
      {"entropy", {S(std::string("", 0))}, Flt(0.0)},
      {"entropy", {S(std::string("A", 1))}, Flt(0.0)},
      {"entropy", {S(std::string("ABCABC", 6))}, Flt(1.5849625007211561)},
      {"entropy", {S(std::string("BCAB", 4))}, Flt(1.5)},
      {"entropy",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Flt(3.572469458770136)},
      {"entropy",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Flt(4.4319650453494592)},
      {"entropy",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Flt(0.0)},
      {"mean", {I(0), I(4096)}, Flt(104.842529296875)},
      {"mean", {I(0), I(100)}, Flt(121.98)},
      {"mean", {I(1000), I(2000)}, Flt(75.353999999999999)},
      {"mean", {I(4000), I(1000)}, Flt(108.89583333333333)},
      {"mean", {I(4095), I(1)}, Flt(203.0)},
      {"mean", {I(10), I(0)}, Undef()},
      {"mean", {I(4096), I(1)}, Undef()},
      {"mean", {I(-1), I(10)}, Undef()},
      {"mean", {I(0), I(-1)}, Undef()},
      {"mean", {I(2048), I(1024)}, Flt(127.5)},
      {"mean", {I(5), I(6)}, Flt(151.83333333333334)},
      {"mean", {I(5), I(11)}, Flt(108.54545454545455)},
      {"mean", {S(std::string("", 0))}, Undef()},
      {"mean", {S(std::string("A", 1))}, Flt(65.0)},
      {"mean", {S(std::string("ABCABC", 6))}, Flt(66.0)},
      {"mean", {S(std::string("BCAB", 4))}, Flt(66.0)},
      {"mean",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Flt(49.352941176470587)},
      {"mean",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Flt(94.348837209302332)},
      {"mean",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Flt(-1.0)},
      {"serial_correlation", {I(0), I(4096)}, Flt(0.50629002855862182)},
      {"serial_correlation", {I(0), I(100)}, Flt(-0.14595538656847878)},
      {"serial_correlation", {I(1000), I(2000)}, Flt(0.9353713603062993)},
      {"serial_correlation", {I(4000), I(1000)}, Flt(0.081901487049877555)},
      {"serial_correlation", {I(4095), I(1)}, Flt(-100000.0)},
      {"serial_correlation", {I(10), I(0)}, Flt(-100000.0)},
      {"serial_correlation", {I(4096), I(1)}, Undef()},
      {"serial_correlation", {I(-1), I(10)}, Undef()},
      {"serial_correlation", {I(0), I(-1)}, Undef()},
      {"serial_correlation", {I(2048), I(1024)}, Flt(0.98828125)},
      {"serial_correlation", {I(5), I(6)}, Flt(0.25983842120126471)},
      {"serial_correlation", {I(5), I(11)}, Flt(0.18813272275193041)},
      {"serial_correlation", {S(std::string("", 0))}, Flt(-100000.0)},
      {"serial_correlation", {S(std::string("A", 1))}, Flt(-100000.0)},
      {"serial_correlation", {S(std::string("ABCABC", 6))}, Flt(33.0)},
      {"serial_correlation", {S(std::string("BCAB", 4))}, Flt(-0.5)},
      {"serial_correlation",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Flt(0.40707648613115954)},
      {"serial_correlation",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Flt(-0.1711781101603542)},
      {"serial_correlation",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Flt(-100000.0)},
      {"monte_carlo_pi", {I(0), I(4096)}, Flt(0.03053992477098209)},
      {"monte_carlo_pi", {I(0), I(100)}, Flt(0.12464781299457561)},
      {"monte_carlo_pi", {I(1000), I(2000)}, Flt(0.12794494203265169)},
      {"monte_carlo_pi", {I(4000), I(1000)}, Flt(0.19366207318921508)},
      {"monte_carlo_pi", {I(4095), I(1)}, Undef()},
      {"monte_carlo_pi", {I(10), I(0)}, Undef()},
      {"monte_carlo_pi", {I(4096), I(1)}, Undef()},
      {"monte_carlo_pi", {I(-1), I(10)}, Undef()},
      {"monte_carlo_pi", {I(0), I(-1)}, Undef()},
      {"monte_carlo_pi", {I(2048), I(1024)}, Flt(0.093753029923795903)},
      {"monte_carlo_pi", {I(5), I(6)}, Flt(1.0)},
      {"monte_carlo_pi", {I(5), I(11)}, Flt(1.0)},
      {"monte_carlo_pi", {S(std::string("", 0))}, Undef()},
      {"monte_carlo_pi", {S(std::string("A", 1))}, Undef()},
      {"monte_carlo_pi", {S(std::string("ABCABC", 6))}, Flt(0.27323954473516271)},
      {"monte_carlo_pi", {S(std::string("BCAB", 4))}, Undef()},
      {"monte_carlo_pi",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Flt(1.0)},
      {"monte_carlo_pi",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Flt(0.27323954473516271)},
      {"monte_carlo_pi",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Flt(1.0)},
      {"deviation", {I(0), I(4096), F(127.5)}, Flt(72.205078125)},
      {"deviation", {I(0), I(100), F(127.5)}, Flt(69.230000000000004)},
      {"deviation", {I(1000), I(2000), F(127.5)}, Flt(79.243499999999997)},
      {"deviation", {I(4000), I(1000), F(127.5)}, Flt(65.510416666666671)},
      {"deviation", {I(4095), I(1), F(127.5)}, Flt(75.5)},
      {"deviation", {I(10), I(0), F(127.5)}, Undef()},
      {"deviation", {I(4096), I(1), F(127.5)}, Undef()},
      {"deviation", {I(-1), I(10), F(127.5)}, Undef()},
      {"deviation", {I(0), I(-1), F(127.5)}, Undef()},
      {"deviation", {I(2048), I(1024), F(127.5)}, Flt(64.0)},
      {"deviation", {I(5), I(6), F(127.5)}, Flt(69.666666666666671)},
      {"deviation", {I(5), I(11), F(127.5)}, Flt(70.227272727272734)},
      {"deviation", {I(0), I(4096), F(89.25)}, Flt(67.873291015625)},
      {"deviation", {S(std::string("", 0)), F(127.5)}, Undef()},
      {"deviation", {S(std::string("A", 1)), F(127.5)}, Flt(62.5)},
      {"deviation", {S(std::string("ABCABC", 6)), F(127.5)}, Flt(61.5)},
      {"deviation", {S(std::string("BCAB", 4)), F(127.5)}, Flt(61.5)},
      {"deviation",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17)),
        F(127.5)},
       Flt(78.147058823529406)},
      {"deviation",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43)), F(127.5)},
       Flt(33.151162790697676)},
      {"deviation",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7)),
        F(127.5)},
       Flt(128.5)},
      {"deviation",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17)),
        F(-3.5)},
       Flt(84.088235294117652)},
      {"count", {I(0), I(0), I(4096)}, Int(24LL)},
      {"percentage", {I(0), I(0), I(4096)}, Flt(0.005859375)},
      {"count", {I(0), I(0), I(100)}, Int(0LL)},
      {"percentage", {I(0), I(0), I(100)}, Flt(0.0)},
      {"count", {I(0), I(1000), I(2000)}, Int(14LL)},
      {"percentage", {I(0), I(1000), I(2000)}, Flt(0.0070000002160668373)},
      {"count", {I(0), I(4000), I(1000)}, Int(0LL)},
      {"percentage", {I(0), I(4000), I(1000)}, Flt(0.0)},
      {"count", {I(0), I(4095), I(1)}, Int(0LL)},
      {"percentage", {I(0), I(4095), I(1)}, Flt(0.0)},
      {"count", {I(0), I(10), I(0)}, Int(0LL)},
      {"percentage", {I(0), I(10), I(0)}, Undef()},
      {"count", {I(0), I(4096), I(1)}, Undef()},
      {"percentage", {I(0), I(4096), I(1)}, Undef()},
      {"count", {I(0), I(-1), I(10)}, Undef()},
      {"percentage", {I(0), I(-1), I(10)}, Undef()},
      {"count", {I(0), I(0), I(-1)}, Undef()},
      {"percentage", {I(0), I(0), I(-1)}, Undef()},
      {"count", {I(0), I(2048), I(1024)}, Int(4LL)},
      {"percentage", {I(0), I(2048), I(1024)}, Flt(0.00390625)},
      {"count", {I(0), I(5), I(6)}, Int(0LL)},
      {"percentage", {I(0), I(5), I(6)}, Flt(0.0)},
      {"count", {I(0), I(5), I(11)}, Int(0LL)},
      {"percentage", {I(0), I(5), I(11)}, Flt(0.0)},
      {"count", {I(65), I(0), I(4096)}, Int(14LL)},
      {"percentage", {I(65), I(0), I(4096)}, Flt(0.00341796875)},
      {"count", {I(65), I(0), I(100)}, Int(0LL)},
      {"percentage", {I(65), I(0), I(100)}, Flt(0.0)},
      {"count", {I(65), I(1000), I(2000)}, Int(4LL)},
      {"percentage", {I(65), I(1000), I(2000)}, Flt(0.0020000000949949026)},
      {"count", {I(65), I(4000), I(1000)}, Int(0LL)},
      {"percentage", {I(65), I(4000), I(1000)}, Flt(0.0)},
      {"count", {I(65), I(4095), I(1)}, Int(0LL)},
      {"percentage", {I(65), I(4095), I(1)}, Flt(0.0)},
      {"count", {I(65), I(10), I(0)}, Int(0LL)},
      {"percentage", {I(65), I(10), I(0)}, Undef()},
      {"count", {I(65), I(4096), I(1)}, Undef()},
      {"percentage", {I(65), I(4096), I(1)}, Undef()},
      {"count", {I(65), I(-1), I(10)}, Undef()},
      {"percentage", {I(65), I(-1), I(10)}, Undef()},
      {"count", {I(65), I(0), I(-1)}, Undef()},
      {"percentage", {I(65), I(0), I(-1)}, Undef()},
      {"count", {I(65), I(2048), I(1024)}, Int(4LL)},
      {"percentage", {I(65), I(2048), I(1024)}, Flt(0.00390625)},
      {"count", {I(65), I(5), I(6)}, Int(0LL)},
      {"percentage", {I(65), I(5), I(6)}, Flt(0.0)},
      {"count", {I(65), I(5), I(11)}, Int(0LL)},
      {"percentage", {I(65), I(5), I(11)}, Flt(0.0)},
      {"count", {I(255), I(0), I(4096)}, Int(14LL)},
      {"percentage", {I(255), I(0), I(4096)}, Flt(0.00341796875)},
      {"count", {I(255), I(0), I(100)}, Int(2LL)},
      {"percentage", {I(255), I(0), I(100)}, Flt(0.019999999552965164)},
      {"count", {I(255), I(1000), I(2000)}, Int(3LL)},
      {"percentage", {I(255), I(1000), I(2000)}, Flt(0.001500000013038516)},
      {"count", {I(255), I(4000), I(1000)}, Int(0LL)},
      {"percentage", {I(255), I(4000), I(1000)}, Flt(0.0)},
      {"count", {I(255), I(4095), I(1)}, Int(0LL)},
      {"percentage", {I(255), I(4095), I(1)}, Flt(0.0)},
      {"count", {I(255), I(10), I(0)}, Int(0LL)},
      {"percentage", {I(255), I(10), I(0)}, Undef()},
      {"count", {I(255), I(4096), I(1)}, Undef()},
      {"percentage", {I(255), I(4096), I(1)}, Undef()},
      {"count", {I(255), I(-1), I(10)}, Undef()},
      {"percentage", {I(255), I(-1), I(10)}, Undef()},
      {"count", {I(255), I(0), I(-1)}, Undef()},
      {"percentage", {I(255), I(0), I(-1)}, Undef()},
      {"count", {I(255), I(2048), I(1024)}, Int(4LL)},
      {"percentage", {I(255), I(2048), I(1024)}, Flt(0.00390625)},
      {"count", {I(255), I(5), I(6)}, Int(0LL)},
      {"percentage", {I(255), I(5), I(6)}, Flt(0.0)},
      {"count", {I(255), I(5), I(11)}, Int(0LL)},
      {"percentage", {I(255), I(5), I(11)}, Flt(0.0)},
      {"count", {I(256), I(0), I(4096)}, Int(24LL)},
      {"percentage", {I(256), I(0), I(4096)}, Flt(0.005859375)},
      {"count", {I(256), I(0), I(100)}, Int(0LL)},
      {"percentage", {I(256), I(0), I(100)}, Flt(0.0)},
      {"count", {I(256), I(1000), I(2000)}, Int(14LL)},
      {"percentage", {I(256), I(1000), I(2000)}, Flt(0.0070000002160668373)},
      {"count", {I(256), I(4000), I(1000)}, Int(0LL)},
      {"percentage", {I(256), I(4000), I(1000)}, Flt(0.0)},
      {"count", {I(256), I(4095), I(1)}, Int(0LL)},
      {"percentage", {I(256), I(4095), I(1)}, Flt(0.0)},
      {"count", {I(256), I(10), I(0)}, Int(0LL)},
      {"percentage", {I(256), I(10), I(0)}, Undef()},
      {"count", {I(256), I(4096), I(1)}, Undef()},
      {"percentage", {I(256), I(4096), I(1)}, Undef()},
      {"count", {I(256), I(-1), I(10)}, Undef()},
      {"percentage", {I(256), I(-1), I(10)}, Undef()},
      {"count", {I(256), I(0), I(-1)}, Undef()},
      {"percentage", {I(256), I(0), I(-1)}, Undef()},
      {"count", {I(256), I(2048), I(1024)}, Int(4LL)},
      {"percentage", {I(256), I(2048), I(1024)}, Flt(0.00390625)},
      {"count", {I(256), I(5), I(6)}, Int(0LL)},
      {"percentage", {I(256), I(5), I(6)}, Flt(0.0)},
      {"count", {I(256), I(5), I(11)}, Int(0LL)},
      {"percentage", {I(256), I(5), I(11)}, Flt(0.0)},
      {"count", {I(321), I(0), I(4096)}, Int(14LL)},
      {"percentage", {I(321), I(0), I(4096)}, Flt(0.00341796875)},
      {"count", {I(321), I(0), I(100)}, Int(0LL)},
      {"percentage", {I(321), I(0), I(100)}, Flt(0.0)},
      {"count", {I(321), I(1000), I(2000)}, Int(4LL)},
      {"percentage", {I(321), I(1000), I(2000)}, Flt(0.0020000000949949026)},
      {"count", {I(321), I(4000), I(1000)}, Int(0LL)},
      {"percentage", {I(321), I(4000), I(1000)}, Flt(0.0)},
      {"count", {I(321), I(4095), I(1)}, Int(0LL)},
      {"percentage", {I(321), I(4095), I(1)}, Flt(0.0)},
      {"count", {I(321), I(10), I(0)}, Int(0LL)},
      {"percentage", {I(321), I(10), I(0)}, Undef()},
      {"count", {I(321), I(4096), I(1)}, Undef()},
      {"percentage", {I(321), I(4096), I(1)}, Undef()},
      {"count", {I(321), I(-1), I(10)}, Undef()},
      {"percentage", {I(321), I(-1), I(10)}, Undef()},
      {"count", {I(321), I(0), I(-1)}, Undef()},
      {"percentage", {I(321), I(0), I(-1)}, Undef()},
      {"count", {I(321), I(2048), I(1024)}, Int(4LL)},
      {"percentage", {I(321), I(2048), I(1024)}, Flt(0.00390625)},
      {"count", {I(321), I(5), I(6)}, Int(0LL)},
      {"percentage", {I(321), I(5), I(6)}, Flt(0.0)},
      {"count", {I(321), I(5), I(11)}, Int(0LL)},
      {"percentage", {I(321), I(5), I(11)}, Flt(0.0)},
      {"count", {I(-1), I(0), I(4096)}, Int(14LL)},
      {"percentage", {I(-1), I(0), I(4096)}, Flt(0.00341796875)},
      {"count", {I(-1), I(0), I(100)}, Int(2LL)},
      {"percentage", {I(-1), I(0), I(100)}, Flt(0.019999999552965164)},
      {"count", {I(-1), I(1000), I(2000)}, Int(3LL)},
      {"percentage", {I(-1), I(1000), I(2000)}, Flt(0.001500000013038516)},
      {"count", {I(-1), I(4000), I(1000)}, Int(0LL)},
      {"percentage", {I(-1), I(4000), I(1000)}, Flt(0.0)},
      {"count", {I(-1), I(4095), I(1)}, Int(0LL)},
      {"percentage", {I(-1), I(4095), I(1)}, Flt(0.0)},
      {"count", {I(-1), I(10), I(0)}, Int(0LL)},
      {"percentage", {I(-1), I(10), I(0)}, Undef()},
      {"count", {I(-1), I(4096), I(1)}, Undef()},
      {"percentage", {I(-1), I(4096), I(1)}, Undef()},
      {"count", {I(-1), I(-1), I(10)}, Undef()},
      {"percentage", {I(-1), I(-1), I(10)}, Undef()},
      {"count", {I(-1), I(0), I(-1)}, Undef()},
      {"percentage", {I(-1), I(0), I(-1)}, Undef()},
      {"count", {I(-1), I(2048), I(1024)}, Int(4LL)},
      {"percentage", {I(-1), I(2048), I(1024)}, Flt(0.00390625)},
      {"count", {I(-1), I(5), I(6)}, Int(0LL)},
      {"percentage", {I(-1), I(5), I(6)}, Flt(0.0)},
      {"count", {I(-1), I(5), I(11)}, Int(0LL)},
      {"percentage", {I(-1), I(5), I(11)}, Flt(0.0)},
      {"count", {I(0)}, Int(24LL)},
      {"percentage", {I(0)}, Flt(0.005859375)},
      {"count", {I(7)}, Int(27LL)},
      {"percentage", {I(7)}, Flt(0.006591796875)},
      {"count", {I(63)}, Int(35LL)},
      {"percentage", {I(63)}, Flt(0.008544921875)},
      {"count", {I(255)}, Int(14LL)},
      {"percentage", {I(255)}, Flt(0.00341796875)},
      {"count", {I(256)}, Int(24LL)},
      {"percentage", {I(256)}, Flt(0.005859375)},
      {"count", {I(-200)}, Int(20LL)},
      {"percentage", {I(-200)}, Flt(0.0048828125)},
      {"mode", {I(0), I(4096)}, Int(4LL)},
      {"mode", {I(0), I(100)}, Int(4LL)},
      {"mode", {I(1000), I(2000)}, Int(26LL)},
      {"mode", {I(4000), I(1000)}, Int(116LL)},
      {"mode", {I(4095), I(1)}, Int(203LL)},
      {"mode", {I(10), I(0)}, Int(0LL)},
      {"mode", {I(4096), I(1)}, Undef()},
      {"mode", {I(-1), I(10)}, Undef()},
      {"mode", {I(0), I(-1)}, Undef()},
      {"mode", {I(2048), I(1024)}, Int(0LL)},
      {"mode", {I(5), I(6)}, Int(29LL)},
      {"mode", {I(5), I(11)}, Int(19LL)},
      {"mode", {}, Int(4LL)},
      {"min", {I(1), I(2)}, Int(1LL)},
      {"max", {I(1), I(2)}, Int(2LL)},
      {"min", {I(-1), I(5)}, Int(5LL)},
      {"max", {I(-1), I(5)}, Int(-1LL)},
      {"min", {I(-7), I(-3)}, Int(-7LL)},
      {"max", {I(-7), I(-3)}, Int(-3LL)},
      {"min", {I(9223372036854775807LL), I(INT64_MIN)}, Int(9223372036854775807LL)},
      {"max", {I(9223372036854775807LL), I(INT64_MIN)}, Int(INT64_MIN)},
      {"min", {I(0), I(0)}, Int(0LL)},
      {"max", {I(0), I(0)}, Int(0LL)},
      {"abs", {I(0)}, Int(0LL)},
      {"abs", {I(-5)}, Int(5LL)},
      {"abs", {I(5)}, Int(5LL)},
      {"abs", {I(-9223372036854775807LL)}, Int(9223372036854775807LL)},
      {"abs", {I(9223372036854775807LL)}, Int(9223372036854775807LL)},
      {"in_range", {F(1.5), F(1.0), F(2.0)}, Int(1LL)},
      {"in_range", {F(2.0), F(1.0), F(2.0)}, Int(1LL)},
      {"in_range", {F(2.5), F(1.0), F(2.0)}, Int(0LL)},
      {"in_range", {F(0.5), F(1.0), F(2.0)}, Int(0LL)},
  };
  return cases;
}

TEST(MathModule, MatchesYaraOnOracleCases) {
  const Module& m = *find_module("math");
  auto data = oracle_data();
  auto instance = m.load(m, data.data(), data.size());
  for (const Case& c : oracle_cases()) check(m, instance.get(), data, c);
}

TEST(MathModule, MeanBytesConstant) {
  const Module& m = *find_module("math");
  auto instance = m.load(m, nullptr, 0);
  EXPECT_EQ(print_module_data(*instance), "math\n\tMEAN_BYTES = 127.500000");
}

TEST(MathModule, RangesOfAnEmptyFileAreUndefined) {
  const Module& m = *find_module("math");
  std::vector<uint8_t> empty;
  auto instance = m.load(m, nullptr, 0);
  for (const char* fn : {"entropy", "mean", "serial_correlation", "monte_carlo_pi", "mode"})
    EXPECT_EQ(call(m, instance.get(), empty, fn, {I(0), I(0)}).kind, CallResult::kUndefined) << fn;
  // Whole-file forms are defined: no bytes at all, mode 0, count 0.
  EXPECT_EQ(call(m, instance.get(), empty, "mode", {}).i, 0);
  EXPECT_EQ(call(m, instance.get(), empty, "count", {I(0)}).i, 0);
  EXPECT_EQ(call(m, instance.get(), empty, "percentage", {I(0)}).kind, CallResult::kUndefined);
}

TEST(MathModule, ToNumberTakesABoolean) {
  const Module& m = *find_module("math");
  std::vector<uint8_t> none;
  auto instance = m.load(m, nullptr, 0);
  Arg yes{'b', 1, 0, ""}, no{'b', 0, 0, ""};
  EXPECT_EQ(call(m, instance.get(), none, "to_number", {yes}).i, 1);
  EXPECT_EQ(call(m, instance.get(), none, "to_number", {no}).i, 0);
}

// YARA 4.5's to_string (not in 4.2.3): printf's %ld, %lo and %lx of the 64-bit value.
TEST(MathModule, ToString) {
  const Module& m = *find_module("math");
  std::vector<uint8_t> none;
  auto instance = m.load(m, nullptr, 0);
  EXPECT_EQ(call(m, instance.get(), none, "to_string", {I(-42)}).s, "-42");
  EXPECT_EQ(call(m, instance.get(), none, "to_string", {I(255), I(16)}).s, "ff");
  EXPECT_EQ(call(m, instance.get(), none, "to_string", {I(-1), I(16)}).s, "ffffffffffffffff");
  EXPECT_EQ(call(m, instance.get(), none, "to_string", {I(8), I(8)}).s, "10");
  EXPECT_EQ(call(m, instance.get(), none, "to_string", {I(8), I(10)}).s, "8");
  EXPECT_EQ(call(m, instance.get(), none, "to_string", {I(8), I(2)}).kind, CallResult::kUndefined);
}

}  // namespace
}  // namespace harrier::modules
