// Module data trees (see object.h). Filling is by name (a binary search over a structure's
// members); reading during evaluation is by index.
#include "modules/object.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace harrier::modules {

int Decl::member_index(std::string_view member) const {
  if (by_name.size() != members.size()) {  // a Decl not made by structure()
    for (size_t k = 0; k < members.size(); ++k)
      if (members[k].name == member) return static_cast<int>(k);
    return -1;
  }
  auto it = std::lower_bound(by_name.begin(), by_name.end(), member,
                             [&](uint32_t k, std::string_view m) { return members[k].name < m; });
  if (it == by_name.end() || members[*it].name != member) return -1;
  return static_cast<int>(*it);
}

namespace {
Decl leaf(std::string name, Kind kind) {
  Decl d;
  d.name = std::move(name);
  d.kind = kind;
  return d;
}
}  // namespace

Decl integer(std::string name) {
  return leaf(std::move(name), Kind::kInt);
}
Decl floating(std::string name) {
  return leaf(std::move(name), Kind::kFloat);
}
Decl string(std::string name) {
  return leaf(std::move(name), Kind::kString);
}

Decl constant(std::string name, int64_t value) {
  Decl d = leaf(std::move(name), Kind::kInt);
  d.int_constant = value;
  return d;
}

Decl constant(std::string name, std::string value) {
  Decl d = leaf(std::move(name), Kind::kString);
  d.string_constant = std::move(value);
  return d;
}

Decl structure(std::string name, std::vector<Decl> members) {
  Decl d = leaf(std::move(name), Kind::kStruct);
  d.members = std::move(members);
  for (uint32_t k = 0; k < d.members.size(); ++k) d.by_name.push_back(k);
  // Stable: with a duplicated name the first declared wins, as in the linear search.
  std::stable_sort(d.by_name.begin(), d.by_name.end(),
                   [&](uint32_t a, uint32_t b) { return d.members[a].name < d.members[b].name; });
  return d;
}

Decl array(std::string name, Decl element) {
  Decl d = leaf(std::move(name), Kind::kArray);
  d.element = std::make_shared<const Decl>(std::move(element));
  return d;
}

Decl dictionary(std::string name, Decl element) {
  Decl d = leaf(std::move(name), Kind::kDict);
  d.element = std::make_shared<const Decl>(std::move(element));
  return d;
}

Decl function(std::string name, std::vector<Overload> overloads) {
  Decl d = leaf(std::move(name), Kind::kFunction);
  d.overloads = std::move(overloads);
  return d;
}

Object::Object(const Decl* decl) : decl_(decl), present_(true) {
  if (decl->kind == Kind::kStruct) {
    defined_ = true;
    children_.reserve(decl->members.size());
    for (const Decl& m : decl->members) children_.emplace_back(&m);
  } else if (decl->kind == Kind::kArray || decl->kind == Kind::kDict) {
    defined_ = true;
  }
}

void Object::set(int64_t v) {
  i_ = v;
  defined_ = true;
}

void Object::set_float(double v) {
  f_ = v;
  defined_ = true;
}

void Object::set(std::string v) {
  s_ = std::move(v);
  defined_ = true;
}

void Object::clear() {
  defined_ = false;
  s_.clear();
}

Object& Object::operator[](std::string_view member) {
  int k = decl_->member_index(member);
  if (k < 0) {
    std::fprintf(stderr, "harrier: module bug: no member '%.*s' in '%s'\n",
                 static_cast<int>(member.size()), member.data(), decl_->name.c_str());
    std::abort();
  }
  return children_[static_cast<size_t>(k)];
}

const Object& Object::operator[](std::string_view member) const {
  return const_cast<Object&>(*this)[member];
}

Object& Object::append() {
  return at(children_.size());
}

Object& Object::at(size_t index) {
  while (children_.size() <= index) {
    children_.emplace_back();
    children_.back().decl_ = decl_->element.get();
  }
  Object& o = children_[index];
  if (!o.present_) o = Object(decl_->element.get());
  return o;
}

const Object* Object::item(size_t index) const {
  if (index >= children_.size() || !children_[index].present_) return nullptr;
  return &children_[index];
}

Object& Object::put(std::string_view key) {
  for (size_t k = 0; k < keys_.size(); ++k)
    if (keys_[k] == key) return children_[k];
  keys_.emplace_back(key);
  children_.emplace_back(decl_->element.get());
  return children_.back();
}

const Object* Object::find(std::string_view key) const {
  for (size_t k = 0; k < keys_.size(); ++k)
    if (keys_[k] == key) return &children_[k];
  return nullptr;
}

}  // namespace harrier::modules
