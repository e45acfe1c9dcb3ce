// The time module: now() is the wall clock in seconds, read at each call.
#include <gtest/gtest.h>

#include <ctime>

#include "modules/module.h"

namespace harrier::modules {
namespace {

TEST(TimeModule, NowIsTheCurrentTime) {
  const Module& m = *find_module("time");
  auto instance = m.load(m, nullptr, 0);
  const Decl& now = m.decl->members[static_cast<size_t>(m.decl->member_index("now"))];
  ASSERT_EQ(now.overloads.size(), 1u);
  EXPECT_EQ(now.overloads[0].args, "");
  CallContext ctx;
  ctx.instance = instance.get();
  int64_t before = static_cast<int64_t>(std::time(nullptr));
  CallResult r = now.overloads[0].impl(ctx);
  int64_t after = static_cast<int64_t>(std::time(nullptr));
  ASSERT_EQ(r.kind, CallResult::kInt);
  EXPECT_LE(before, r.i);
  EXPECT_LE(r.i, after);
}

}  // namespace
}  // namespace harrier::modules
