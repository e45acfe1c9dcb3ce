// The compiler: parsed rules in, an immutable Program out.
//
// add_file/add_string only parse (so every broken file is reported in one run); build()
// then walks all rules in declaration order, which is also YARA's visibility order: a rule
// may refer to rules declared before it in its namespace. For each rule it lowers the
// strings (text strings to literal forms, hex strings and regexes to regex::Programs),
// resolves the condition, enforces YARA's "unreferenced string" rule, and finally builds
// the two Vectorscan databases.
//
// Memory: a compiled rule set lives as long as the scan, so build() keeps only what
// scanning needs. It consumes the AST (each rule's tree is freed as soon as the rule is
// lowered, its names and metadata are moved, not copied), keeps the sources only when asked
// to (set_keep_sources, for Rules::save), and sizes the Program's vectors exactly.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "compiler/compiler_impl.h"
#include "compiler/database.h"
#include "compiler/database_cache.h"
#include "compiler/guards.h"
#include "compiler/hex_factor.h"
#include "compiler/literals.h"
#include "compiler/program.h"
#include "compiler/resolve.h"
#include "harrier/harrier.h"
#include "regex/atoms.h"
#include "regex/program.h"
#include "rules/parser.h"

namespace harrier {

std::string Diagnostic::to_string() const {
  const char* kind = severity == Severity::kError ? "error" : "warning";
  if (!rule.empty())
    return std::string(kind) + ": rule \"" + rule + "\" in " + file + "(" + std::to_string(line) +
           "): " + message;
  return file + "(" + std::to_string(line) + "): " + kind + ": " + message;
}

const char* version() {
  return "0.1.0";
}

Compiler::Compiler() : impl_(std::make_unique<Impl>()) {}
Compiler::~Compiler() = default;

void Compiler::define(const std::string& name, ExternalValue value) {
  for (auto& e : impl_->externals) {
    if (e.name == name) {
      e.value = std::move(value);
      return;
    }
  }
  impl_->externals.push_back({name, std::move(value)});
}

bool Compiler::add_file(const std::string& path, const std::string& ns) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostic d;
    d.file = path;
    d.message = "could not open file";
    impl_->diags.push_back(d);
    impl_->errors = true;
    return false;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return impl_->add(path, buf.str(), ns);
}

bool Compiler::add_string(std::string_view source, const std::string& ns,
                          const std::string& origin) {
  return impl_->add(origin, std::string(source), ns);
}

const std::vector<Diagnostic>& Compiler::diagnostics() const {
  return impl_->diags;
}
bool Compiler::has_errors() const {
  return impl_->errors;
}
void Compiler::set_cache_enabled(bool enabled) {
  impl_->use_cache = enabled;
}
void Compiler::set_keep_sources(bool keep) {
  impl_->keep_sources = keep;
}

std::shared_ptr<const Rules> Compiler::build() {
  return impl_->build();
}

namespace {

// Gives the pages of what the build just freed back to the system. glibc keeps freed memory
// mapped for reuse, but the build frees tens of MB at once (the AST, the sources, the
// patterns' leftovers) in small pieces among live ones, which later allocations of other
// sizes reuse badly: without this, the databases and the scan came on top of it.
void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

compiler::Type external_type(const ExternalValue& v) {
  switch (v.index()) {
    case 0:
      return compiler::Type::kInt;
    case 1:
      return compiler::Type::kFloat;
    case 2:
      return compiler::Type::kBool;
    default:
      return compiler::Type::kString;
  }
}

}  // namespace

namespace {

// Gives back the growth slack of a factor's context, which the scanner keeps.
void shrink(compiler::FactorContext& context) {
  for (auto* side : {&context.before, &context.after}) {
    for (compiler::ContextPiece& piece : *side) piece.run.shrink_to_fit();
    side->shrink_to_fit();
  }
}

}  // namespace

// Hex strings and regexes compile independently of each other and of everything else, and
// they are most of a large rule set's compile time: compile them all up front on every core,
// so build_rule only takes the results. [rule][string], empty for text strings. Each
// pattern's factor and Vectorscan expressions are derived here too, on the same core, and
// its tree freed: thousands of trees alive at once were the peak of a large build.
using PatternSlots = std::vector<std::unique_ptr<compiler::CompiledPattern>>;

// Runs `work` on every core (up to 8) when `worth_it`, else on this thread alone; `work`
// takes its items from a shared counter.
template <typename Work>
void parallel(bool worth_it, Work&& work) {
  size_t threads = worth_it ? std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8) : 1;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// Patterns whose factor literal is shared by many patterns may take their alternative
// factor (choose_hex_factors): a literal that is the factor of N patterns costs each of its
// hits N context checks and candidate windows, so a factor's expected cost is its uses
// times its expected hit rate, 2^-bits. signature-base's ~1,000 driver rules each match
// version-information pairs (`4C 00 65 00 67 00 61 00 6C 00 ... [1-8] <value>`): every one
// chose a factor in the shared key, and each hit of "LegalCopyright" was checked against
// 993 contexts, where the values are mostly each rule's own. The choice is deterministic
// (counts of first choices, not arrival order), so database cache keys are stable.
void avoid_crowded_factors(std::vector<PatternSlots>& patterns) {
  std::map<std::string_view, size_t> uses;
  for (const PatternSlots& rule : patterns)
    for (const auto& cp : rule)
      if (cp && cp->factors.size() == 1)
        for (const std::string& literal : cp->factors[0].literals) ++uses[literal];
  // log2 of the expected cost, up to a constant; `extra` counts the pattern itself when it
  // is not yet among a literal's uses.
  auto cost = [&](const compiler::HexFactor& f, size_t extra) {
    size_t most = 0;
    for (const std::string& literal : f.literals) {
      auto it = uses.find(literal);
      most = std::max(most, (it == uses.end() ? 0 : it->second) + extra);
    }
    return std::log2(static_cast<double>(std::max<size_t>(most, 1))) - f.bits;
  };
  std::vector<compiler::CompiledPattern*> switching;
  for (PatternSlots& rule : patterns)
    for (auto& cp : rule)
      if (cp && cp->alternative && cost(*cp->alternative, 1) < cost(cp->factors[0], 0) - 1)
        switching.push_back(cp.get());
  // Their contexts need the trees, dropped meanwhile: parsed again and dropped again.
  std::atomic<size_t> next{0};
  parallel(switching.size() >= 64, [&] {
    for (size_t k; (k = next.fetch_add(1)) < switching.size();) {
      compiler::CompiledPattern& cp = *switching[k];
      compiler::add_context(*cp.result.program, *cp.alternative);
      cp.result.program->drop_tree();
      shrink(cp.alternative->context);
      cp.factors = {std::move(*cp.alternative)};
    }
  });
  for (PatternSlots& rule : patterns)
    for (auto& cp : rule)
      if (cp) cp->alternative.reset();
}

std::vector<PatternSlots> compile_patterns(const rules::File& ast) {
  std::vector<PatternSlots> out(ast.rules.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t r; (r = next.fetch_add(1)) < ast.rules.size();) {
      const rules::Rule& rule = ast.rules[r];
      out[r].resize(rule.strings.size());
      for (size_t k = 0; k < rule.strings.size(); ++k) {
        const rules::StringDecl& decl = rule.strings[k];
        if (decl.kind == rules::StringKind::kText) continue;
        out[r][k] = std::make_unique<compiler::CompiledPattern>();
        compiler::CompiledPattern& cp = *out[r][k];
        bool hex = decl.kind == rules::StringKind::kHex;
        cp.result = hex ? regex::compile_hex(decl.value)
                        : regex::compile_regex(decl.value, decl.regex_nocase || decl.mods.nocase,
                                               decl.regex_dotall);
        if (!cp.result.program) continue;
        regex::Program& program = *cp.result.program;
        cp.unbounded_dot = !hex && compiler::has_unbounded_dot(program);
        if (!(hex && program.literal())) {  // as collect_atoms takes them
          cp.factors = compiler::choose_hex_factors(program, &cp.alternative);
          if (cp.factors.empty()) {
            bool ascii = decl.mods.ascii || !decl.mods.wide;
            if (hex || ascii) cp.narrow = program.hyperscan(false);
            if (!hex && decl.mods.wide) cp.wide = program.hyperscan(true);
          }
          for (compiler::HexFactor& f : cp.factors) shrink(f.context);  // kept for the scan
        }
        program.drop_tree();
      }
    }
  };
  parallel(ast.rules.size() >= 64, work);
  avoid_crowded_factors(out);
  return out;
}

bool Compiler::Impl::build_rule(
    rules::Rule& rule, PatternSlots& patterns, compiler::Program& program,
    std::map<std::string, std::map<std::string, uint32_t>>& rules_by_ns,
    std::map<std::string, std::vector<std::string>>& rule_order,
    const std::map<std::string, std::pair<uint32_t, compiler::Type>>& ext_types) {
  auto& visible = rules_by_ns[rule.ns];
  if (visible.count(rule.name) || ext_types.count(rule.name)) {
    error(rule.span, "", "duplicated identifier \"" + rule.name + "\"");
    return false;
  }
  for (const std::string& prefix : wildcard_sets[rule.ns]) {
    if (rule.name.compare(0, prefix.size() - 1, prefix, 0, prefix.size() - 1) == 0) {
      error(rule.span, "",
            "rule identifier \"" + rule.name + "\" matches previously used wildcard rule set");
      return false;
    }
  }

  uint32_t rule_index = static_cast<uint32_t>(program.rules.size());
  uint32_t first_string = static_cast<uint32_t>(program.strings.size());
  compiler::CompiledRule out;
  out.info.name = rule.name;
  out.info.ns = rule.ns;
  out.info.tags = std::move(rule.tags);
  out.info.is_private = rule.is_private;
  out.info.is_global = rule.is_global;
  out.info.metas.reserve(rule.metas.size());
  for (auto& m : rule.metas) out.info.metas.emplace_back(std::move(m.id), std::move(m.value));

  std::vector<compiler::CompiledString> strings;
  bool ok = true;
  for (size_t k = 0; k < rule.strings.size(); ++k) {
    const rules::StringDecl& decl = rule.strings[k];
    compiler::CompiledString s;
    s.id = decl.id;
    s.rule = rule_index;
    s.kind = decl.kind;
    s.mods = decl.mods;
    if (decl.kind == rules::StringKind::kText) {
      s.text = decl.value;
      // YARA judges a text string by its best 4-byte atom (and the atoms its modifiers
      // derive from it); base64 strings are judged as the regex they become.
      if (!decl.mods.base64 && !decl.mods.base64wide) {
        bool ascii = decl.mods.ascii || !decl.mods.wide;
        auto atom =
            regex::internal::literal_atom(decl.value, ascii, decl.mods.wide, decl.mods.nocase);
        if (atom.quality < regex::internal::kAtomWarningQuality)
          warning(decl.span, rule.name, "string \"" + decl.id + "\" may slow down scanning");
      }
    } else {
      regex::CompileResult& compiled = patterns[k]->result;
      if (!compiled.program) {
        error(decl.span, rule.name,
              (decl.kind == rules::StringKind::kHex ? "invalid hex string \""
                                                    : "invalid regular expression \"") +
                  decl.id + "\": " + compiled.error);
        ok = false;
        continue;
      }
      s.greedy = compiled.program->greedy();
      if (patterns[k]->unbounded_dot)
        warning(decl.span, rule.name,
                decl.id +
                    " contains .*, .+ or .{x,} consider using .{,N}, .{1,N} or {x,N} with a "
                    "reasonable value for N");
      if (compiled.program->is_slow())
        warning(decl.span, rule.name, "string \"" + decl.id + "\" may slow down scanning");
      s.program = std::move(compiled.program);
    }
    strings.push_back(std::move(s));
  }
  if (!ok) return false;

  compiler::ResolveContext ctx;
  ctx.rule = &rule;
  ctx.first_string = first_string;
  for (const auto& s : strings) ctx.string_ids.push_back(s.id);
  // A rule is visible in its own condition (it reads as false there), as in YARA.
  visible[rule.name] = rule_index;
  ctx.visible_rules = &visible;
  std::vector<std::string>& order = rule_order[rule.ns];
  order.push_back(rule.name);
  ctx.visible_rule_order = &order;
  ctx.externals = &ext_types;
  ctx.modules = &visible_modules;
  ctx.sources = &sources;
  out.condition = compiler::resolve_condition(*rule.condition, ctx);
  out.has_side_effects = ctx.side_effects;

  if (!out.condition) {
    visible.erase(rule.name);
    order.pop_back();
  }
  auto& sets = wildcard_sets[rule.ns];
  sets.insert(sets.end(), ctx.wildcard_rule_sets.begin(), ctx.wildcard_rule_sets.end());
  size_t before = raw_diags.size();
  raw_diags.insert(raw_diags.end(), ctx.diags.begin(), ctx.diags.end());
  convert(raw_diags, before);
  if (!out.condition) return false;
  for (size_t k = 0; k < strings.size(); ++k) {
    const std::string& id = strings[k].id;
    if (!ctx.string_used[k] && id.rfind("$_", 0) != 0) {
      // Found when the rule is reduced: yara names the line of its closing brace.
      rules::Span at = rule.span;
      at.line = sources.line_at(at.file, at.offset + (at.length ? at.length - 1 : 0));
      error(at, rule.name, "unreferenced string \"" + id + "\"");
      return false;
    }
  }
  program.max_loop_depth = std::max(program.max_loop_depth, ctx.max_loop_slots);

  for (size_t k = 0; k < strings.size(); ++k) {
    auto& s = strings[k];
    bool literal = s.kind == rules::StringKind::kText ? !(s.mods.base64 || s.mods.base64wide)
                                                      : s.program->literal().has_value();
    if (literal && ctx.fixed_enabled[k]) s.fixed_offset = ctx.fixed_offset[k];
    s.single_match = ctx.single_match[k];
  }
  for (auto& s : strings) {
    out.strings.push_back(static_cast<uint32_t>(program.strings.size()));
    program.strings.push_back(std::move(s));
  }
  visible[rule.name] = rule_index;
  auto ns_it = std::find(program.namespaces.begin(), program.namespaces.end(), rule.ns);
  program.rule_namespace.push_back(static_cast<uint32_t>(ns_it - program.namespaces.begin()));
  if (ns_it == program.namespaces.end()) program.namespaces.push_back(rule.ns);
  program.rules.push_back(std::move(out));
  return true;
}

namespace {

// The literal Vectorscan searches for `bytes` (see compiler::NulPad): without its runs of
// NUL at either end, as long as kMinCore bytes remain. On 280 MB of binaries the whole
// signature-base literal set scans ~30% faster cut this way.
constexpr size_t kMinCore = 4;
constexpr size_t kMaxPad = 0xFFFF;

std::string_view searched_core(std::string_view bytes, compiler::NulPad& pad) {
  size_t lead = 0;
  while (lead < bytes.size() && bytes[lead] == '\0') ++lead;
  if (bytes.size() - lead >= kMinCore && lead <= kMaxPad) {
    bytes.remove_prefix(lead);
    pad.lead = static_cast<uint16_t>(lead);
  }
  while (bytes.size() > kMinCore && bytes.back() == '\0' && pad.trail < kMaxPad) {
    bytes.remove_suffix(1);
    ++pad.trail;
  }
  return bytes;
}

// Adds every literal form and regex expression of the program's strings, merging identical
// literals so each is searched once.
void collect_atoms(compiler::Program& program, PatternSlots& patterns) {
  std::map<std::pair<std::string, bool>, uint32_t> literal_ids;
  auto literal_for = [&](std::string_view bytes, bool caseless,
                         compiler::NulPad& pad) -> compiler::Literal& {
    auto key = std::make_pair(std::string(searched_core(bytes, pad)), caseless);
    auto it = literal_ids.find(key);
    if (it == literal_ids.end()) {
      it = literal_ids.emplace(key, static_cast<uint32_t>(program.literals.size())).first;
      program.literals.push_back({key.first, caseless, {}, {}});
    }
    return program.literals[it->second];
  };
  auto add_literal = [&](const std::string& bytes, bool caseless, compiler::LiteralForm form) {
    literal_for(bytes, caseless, form.pad).forms.push_back(form);
  };

  for (uint32_t si = 0; si < program.strings.size(); ++si) {
    const compiler::CompiledString& s = program.strings[si];
    bool ascii = s.mods.ascii || !s.mods.wide;
    if (s.kind == rules::StringKind::kText) {
      auto forms = compiler::expand_text_string(s.text, s.mods);
      for (size_t p = 0; p < forms.size(); ++p) {
        bool alone = std::none_of(forms.begin(), forms.end(), [&](const compiler::TextForm& o) {
          return &o != &forms[p] && compiler::may_share_start(o, forms[p]);
        });
        compiler::LiteralForm f{si,
                                static_cast<uint32_t>(forms[p].bytes.size()),
                                static_cast<uint8_t>(std::min<size_t>(p, 255)),
                                forms[p].xor_key,
                                forms[p].wide,
                                s.mods.fullword && alone,
                                {}};
        add_literal(forms[p].bytes, forms[p].caseless, f);
      }
      continue;
    }
    if (auto lit = s.program->literal(); lit && s.kind == rules::StringKind::kHex) {
      add_literal(*lit, false, {si, static_cast<uint32_t>(lit->size()), 0, 0, false, false, {}});
      continue;
    }
    compiler::CompiledPattern& cp = *patterns[si];
    std::vector<compiler::HexFactor>& factors = cp.factors;
    auto add_factor = [&](compiler::HexFactor f, bool wide) {
      auto atom = static_cast<uint32_t>(program.regex_atoms.size());
      regex::HsPattern none;
      none.exact = false;
      bool has_context = !f.context.empty();
      program.regex_atoms.push_back({si, wide, none, true, f.from_start, std::move(f.context)});
      for (const std::string& bytes : f.literals) {
        compiler::FactorUse use{atom,
                                static_cast<uint32_t>(f.min_tail),
                                static_cast<uint32_t>(f.max_tail),
                                f.from_start,
                                has_context,
                                si,
                                {}};
        literal_for(bytes, f.caseless, use.pad).factors.push_back(use);
      }
    };
    bool wide_too = s.kind == rules::StringKind::kRegex && s.mods.wide;
    if (s.kind == rules::StringKind::kHex || ascii) {
      for (compiler::HexFactor& f : factors) add_factor(wide_too ? f : std::move(f), false);
      if (factors.empty())
        program.regex_atoms.push_back({si, false, std::move(*cp.narrow), false, false, {}});
    }
    if (wide_too) {
      for (const compiler::HexFactor& f : factors) {
        compiler::HexFactor wide = compiler::widened(f);
        shrink(wide.context);
        add_factor(std::move(wide), true);
      }
      if (factors.empty())
        program.regex_atoms.push_back({si, true, std::move(*cp.wide), false, false, {}});
    }
    patterns[si].reset();
  }
}

// Program::same_as: strings that verification cannot tell apart share their first one.
void find_identical_strings(compiler::Program& program) {
  std::map<std::string, uint32_t> first;
  program.same_as.resize(program.strings.size());
  for (uint32_t si = 0; si < program.strings.size(); ++si) {
    const compiler::CompiledString& s = program.strings[si];
    const rules::StringModifiers& m = s.mods;
    std::string key;
    auto add = [&key](std::string_view part) {
      key += std::to_string(part.size());
      key += ':';
      key += part;
    };
    std::string flags = {static_cast<char>(s.kind),
                         m.nocase,
                         m.ascii,
                         m.wide,
                         m.fullword,
                         m.xor_,
                         static_cast<char>(m.xor_min),
                         static_cast<char>(m.xor_max),
                         m.base64,
                         m.base64wide,
                         s.greedy,
                         s.single_match,
                         s.fixed_offset.has_value()};
    add(flags);
    add(std::to_string(s.fixed_offset.value_or(0)));
    add(m.base64_alphabet);
    add(m.base64wide_alphabet);
    if (s.program) {
      const regex::Program::Impl& p = s.program->impl();
      add(std::string{p.hex, p.nocase, p.dotall});
      add(p.body);
    } else {
      add(s.text);
    }
    program.same_as[si] = first.try_emplace(std::move(key), si).first->second;
  }
}

}  // namespace

std::shared_ptr<const Rules> Compiler::Impl::build() {
  if (!built) {
    built = true;
    rules = build_once();
  }
  return rules;
}

std::shared_ptr<const Rules> Compiler::Impl::build_once() {
  if (errors) return nullptr;
  auto impl = std::make_unique<Rules::Impl>();
  compiler::Program& program = impl->program;
  program.externals = externals;
  program.sources_kept = keep_sources;
  if (keep_sources) {
    for (const auto& [ns, id] : top_level)
      program.sources.push_back({ns, sources.file(id).name, sources.file(id).text});
    for (size_t i = 0; i < sources.size(); ++i)
      program.files.emplace_back(sources.file(static_cast<uint32_t>(i)).name,
                                 sources.file(static_cast<uint32_t>(i)).text);
  }

  std::map<std::string, std::pair<uint32_t, compiler::Type>> ext_types;
  for (uint32_t i = 0; i < externals.size(); ++i)
    ext_types[externals[i].name] = {i, external_type(externals[i].value)};

  std::map<std::string, std::map<std::string, uint32_t>> rules_by_ns;
  std::map<std::string, std::vector<std::string>> rule_order;
  // A module is visible to the rules of its namespace that follow its import, as in YARA.
  std::vector<uint32_t> import_slot(ast.imports.size(), 0);
  for (size_t k = 0; k < ast.imports.size(); ++k) {
    const auto& imp = ast.imports[k];
    const modules::Module* m = modules::find_module(imp.module);
    if (!m) {
      error(imp.span, "", "unknown module \"" + imp.module + "\"");
      continue;
    }
    auto it = std::find(program.modules.begin(), program.modules.end(), m);
    import_slot[k] = static_cast<uint32_t>(it - program.modules.begin());
    if (it == program.modules.end()) program.modules.push_back(m);
  }
  if (errors) return nullptr;
  auto patterns = compile_patterns(ast);
  PatternSlots lowered;  // by string index, for collect_atoms
  size_t string_count = 0;
  for (const rules::Rule& rule : ast.rules) string_count += rule.strings.size();
  program.strings.reserve(string_count);
  lowered.reserve(string_count);
  program.rules.reserve(ast.rules.size());
  program.rule_namespace.reserve(ast.rules.size());
  for (size_t r = 0; r < ast.rules.size(); ++r) {
    visible_modules.clear();
    for (size_t k = 0; k < ast.imports.size(); ++k)
      if (ast.imports[k].ns == ast.rules[r].ns && ast.imports[k].first_rule <= r)
        visible_modules[ast.imports[k].module] = import_slot[k];
    size_t strings_before = program.strings.size();
    build_rule(ast.rules[r], patterns[r], program, rules_by_ns, rule_order, ext_types);
    if (program.strings.size() > strings_before) {  // all of the rule's strings, in order
      for (auto& cp : patterns[r]) lowered.push_back(std::move(cp));
    }
    ast.rules[r] = rules::Rule{};  // lowered: free its tree now, not after the whole set
    patterns[r] = PatternSlots();
  }
  ast = rules::File{};
  patterns = decltype(patterns)();
  if (errors) return nullptr;
  // Diagnostics from here on name no line; the texts were copied above if they are kept.
  sources.drop_texts();
  saved_files.clear();
  release_free_memory();

  collect_atoms(program, lowered);
  lowered = PatternSlots();
  release_free_memory();
  compiler::build_gates(program);
  find_identical_strings(program);
  program.cache_dir = use_cache ? compiler::database_cache_dir() : std::string();
  std::string db_error;
  if (!compiler::build_databases(program, &db_error)) {
    error({}, "", db_error);
    return nullptr;
  }
  for (const auto& d : diags)
    if (d.severity == Diagnostic::Severity::kWarning) impl->warnings.push_back(d);
  return std::make_shared<const Rules>(std::move(impl));
}

// ---- Rules ----------------------------------------------------------------------------

Rules::Rules(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Rules::~Rules() = default;
size_t Rules::rule_count() const {
  return impl_->program.rules.size();
}
const RuleInfo& Rules::rule(size_t index) const {
  return impl_->program.rules[index].info;
}
const std::vector<Diagnostic>& Rules::warnings() const {
  return impl_->warnings;
}

}  // namespace harrier
