// Module data: what a module declares (Decl) and what it found in one file (Object).
//
// YARA modules export a tree of named values: integers, floats, strings, structures,
// arrays, dictionaries and functions. The tree's shape is fixed when rules compile (the
// compiler type-checks `pe.sections[0].name` against it) and its values are filled in once
// per scanned file. harrier keeps the two apart:
//
//   * Decl is the shape, built once per module from a static description and shared
//     read-only by every compiled rule set and thread. Constants such as
//     `pe.MACHINE_I386` are part of the shape: the compiler folds them.
//   * Object is one file's values. It mirrors its Decl: a structure holds one Object per
//     member in declaration order, so the compiler turns `pe.number_of_sections` into a
//     member index and the evaluator never looks a name up. Any value a module did not set
//     stays undefined, which is how YARA reports "not a PE file" or "no such section".
//
// Modules fill Objects by name (`root["sections"].append()["name"].set(".text")`), which
// costs a short linear search per set; parsing a file costs far more, and lookups during
// evaluation go by index.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harrier::modules {

enum class Kind : uint8_t { kInt, kFloat, kString, kStruct, kArray, kDict, kFunction };

struct CallContext;
struct CallResult;
using FunctionImpl = CallResult (*)(CallContext& ctx);

// One overload of a module function. `args` uses YARA's letters, one per argument:
// 'i' integer, 'f' float, 's' string, 'r' regular expression; `result` is 'i', 'f' or 's'.
// A call site must match an overload's argument letters exactly, as in YARA.
struct Overload {
  std::string args;
  char result = 'i';
  FunctionImpl impl = nullptr;
};

struct Decl {
  std::string name;
  Kind kind = Kind::kInt;
  std::vector<Decl> members;            // kStruct: in declaration order
  std::shared_ptr<const Decl> element;  // kArray, kDict: the type of every item
  std::vector<Overload> overloads;      // kFunction
  std::optional<int64_t> int_constant;  // kInt constants (pe.MACHINE_I386)
  std::optional<std::string> string_constant;

  // Member indexes sorted by name (set by structure()): modules fill hundreds of members by
  // name for every file, so the lookup is a binary search.
  std::vector<uint32_t> by_name;

  // Index of the member called `name`, or -1.
  int member_index(std::string_view member) const;
};

// Builders for module declarations, so that a module's shape reads like YARA's
// begin_declarations block.
Decl integer(std::string name);
Decl floating(std::string name);
Decl string(std::string name);
Decl constant(std::string name, int64_t value);
Decl constant(std::string name, std::string value);
Decl structure(std::string name, std::vector<Decl> members);
Decl array(std::string name, Decl element);  // element's name is ignored
Decl dictionary(std::string name, Decl element);
Decl function(std::string name, std::vector<Overload> overloads);

// One file's value of a Decl. Not copyable by accident: trees can be large.
class Object {
 public:
  Object() = default;
  explicit Object(const Decl* decl);
  Object(Object&&) = default;
  Object& operator=(Object&&) = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  const Decl* decl() const { return decl_; }
  Kind kind() const { return decl_->kind; }
  bool defined() const { return defined_; }

  // Scalars. Setting makes the value defined.
  void set(int64_t v);
  void set_float(double v);
  void set(std::string v);
  void set(std::string_view v) { set(std::string(v)); }
  void set(const char* v) { set(std::string(v)); }
  void clear();  // back to undefined
  int64_t int_value() const { return i_; }
  double float_value() const { return f_; }
  const std::string& string_value() const { return s_; }

  // Structures: the member by name (for modules filling data; aborts on a name the Decl
  // lacks, which is a programming error) or by index (for the evaluator).
  Object& operator[](std::string_view member);
  const Object& operator[](std::string_view member) const;
  const Object& member(size_t index) const { return children_[index]; }
  Object& member(size_t index) { return children_[index]; }

  // Arrays. `at` grows the array as needed (YARA's arrays may have gaps: the items in
  // between stay absent). Items are structures or scalars per the element Decl.
  Object& append();
  Object& at(size_t index);
  size_t size() const { return children_.size(); }
  // An array item or dictionary value that was never set: YARA's NULL item.
  const Object* item(size_t index) const;

  // Dictionaries, in insertion order (YARA's order when iterating and printing).
  Object& put(std::string_view key);  // existing entry, or a new one at the end
  const Object* find(std::string_view key) const;
  const std::string& key(size_t index) const { return keys_[index]; }

  // A structure, array item or dictionary value that a module created counts as present.
  bool present() const { return present_; }

 private:
  const Decl* decl_ = nullptr;
  bool defined_ = false;  // scalars: has a value; containers: always true once created
  bool present_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::vector<Object> children_;   // struct members, array items, dictionary values
  std::vector<std::string> keys_;  // dictionary keys, parallel to children_
};

}  // namespace harrier::modules
