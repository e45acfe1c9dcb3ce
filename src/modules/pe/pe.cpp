// The `pe` module: YARA 4.5's declarations and the loader that runs the parsers.
//
// The declaration list below follows YARA 4.5's begin_declarations block member for member,
// because `yara -D` prints module data in declaration order and the compiler resolves
// names against it. The Authenticode members come from signatures.cpp and are spliced in
// where YARA declares them (after pdb_path). YARA sets its constants in module_load; here
// they are Decl constants, which print and fold the same way.
//
// Loading follows YARA's module_load: `is_pe` is 0 for any file, and only a file passing
// the header test (PeView::parse) gets the rest, parsed in YARA's order (headers with
// resources and sections, rich signature, debug directory, signatures, imports, delayed
// imports, exports), since later parsers never depend on earlier ones' output except
// through the file itself.
#include "modules/pe/pe_format.h"
#include "modules/pe/signatures.h"

namespace harrier::modules {

namespace pe {
namespace {

std::vector<Decl> constants() {
  struct C {
    const char* name;
    int64_t value;
  };
  static const C kConstants[] = {
      {"MACHINE_UNKNOWN", 0x0000},
      {"MACHINE_AM33", 0x01d3},
      {"MACHINE_AMD64", 0x8664},
      {"MACHINE_ARM", 0x01c0},
      {"MACHINE_ARMNT", 0x01c4},
      {"MACHINE_ARM64", 0xaa64},
      {"MACHINE_EBC", 0x0ebc},
      {"MACHINE_I386", 0x014c},
      {"MACHINE_IA64", 0x0200},
      {"MACHINE_M32R", 0x9041},
      {"MACHINE_MIPS16", 0x0266},
      {"MACHINE_MIPSFPU", 0x0366},
      {"MACHINE_MIPSFPU16", 0x0466},
      {"MACHINE_POWERPC", 0x01f0},
      {"MACHINE_POWERPCFP", 0x01f1},
      {"MACHINE_R4000", 0x0166},
      {"MACHINE_SH3", 0x01a2},
      {"MACHINE_SH3DSP", 0x01a3},
      {"MACHINE_SH4", 0x01a6},
      {"MACHINE_SH5", 0x01a8},
      {"MACHINE_THUMB", 0x01c2},
      {"MACHINE_WCEMIPSV2", 0x0169},
      {"MACHINE_TARGET_HOST", 0x0001},
      {"MACHINE_R3000", 0x0162},
      {"MACHINE_R10000", 0x0168},
      {"MACHINE_ALPHA", 0x0184},
      {"MACHINE_SH3E", 0x01a4},
      {"MACHINE_ALPHA64", 0x0284},
      {"MACHINE_AXP64", 0x0284},
      {"MACHINE_TRICORE", 0x0520},
      {"MACHINE_CEF", 0x0cef},
      {"MACHINE_CEE", 0xc0ee},
      {"SUBSYSTEM_UNKNOWN", 0},
      {"SUBSYSTEM_NATIVE", 1},
      {"SUBSYSTEM_WINDOWS_GUI", 2},
      {"SUBSYSTEM_WINDOWS_CUI", 3},
      {"SUBSYSTEM_OS2_CUI", 5},
      {"SUBSYSTEM_POSIX_CUI", 7},
      {"SUBSYSTEM_NATIVE_WINDOWS", 8},
      {"SUBSYSTEM_WINDOWS_CE_GUI", 9},
      {"SUBSYSTEM_EFI_APPLICATION", 10},
      {"SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER", 11},
      {"SUBSYSTEM_EFI_RUNTIME_DRIVER", 12},
      {"SUBSYSTEM_EFI_ROM_IMAGE", 13},
      {"SUBSYSTEM_XBOX", 14},
      {"SUBSYSTEM_WINDOWS_BOOT_APPLICATION", 16},
      {"HIGH_ENTROPY_VA", 0x0020},
      {"DYNAMIC_BASE", 0x0040},
      {"FORCE_INTEGRITY", 0x0080},
      {"NX_COMPAT", 0x0100},
      {"NO_ISOLATION", 0x0200},
      {"NO_SEH", 0x0400},
      {"NO_BIND", 0x0800},
      {"APPCONTAINER", 0x1000},
      {"WDM_DRIVER", 0x2000},
      {"GUARD_CF", 0x4000},
      {"TERMINAL_SERVER_AWARE", 0x8000},
      {"RELOCS_STRIPPED", 0x0001},
      {"EXECUTABLE_IMAGE", 0x0002},
      {"LINE_NUMS_STRIPPED", 0x0004},
      {"LOCAL_SYMS_STRIPPED", 0x0008},
      {"AGGRESIVE_WS_TRIM", 0x0010},
      {"LARGE_ADDRESS_AWARE", 0x0020},
      {"BYTES_REVERSED_LO", 0x0080},
      {"MACHINE_32BIT", 0x0100},
      {"DEBUG_STRIPPED", 0x0200},
      {"REMOVABLE_RUN_FROM_SWAP", 0x0400},
      {"NET_RUN_FROM_SWAP", 0x0800},
      {"SYSTEM", 0x1000},
      {"DLL", 0x2000},
      {"UP_SYSTEM_ONLY", 0x4000},
      {"BYTES_REVERSED_HI", 0x8000},
      {"IMAGE_DIRECTORY_ENTRY_EXPORT", 0},
      {"IMAGE_DIRECTORY_ENTRY_IMPORT", 1},
      {"IMAGE_DIRECTORY_ENTRY_RESOURCE", 2},
      {"IMAGE_DIRECTORY_ENTRY_EXCEPTION", 3},
      {"IMAGE_DIRECTORY_ENTRY_SECURITY", 4},
      {"IMAGE_DIRECTORY_ENTRY_BASERELOC", 5},
      {"IMAGE_DIRECTORY_ENTRY_DEBUG", 6},
      {"IMAGE_DIRECTORY_ENTRY_ARCHITECTURE", 7},
      {"IMAGE_DIRECTORY_ENTRY_COPYRIGHT", 7},
      {"IMAGE_DIRECTORY_ENTRY_GLOBALPTR", 8},
      {"IMAGE_DIRECTORY_ENTRY_TLS", 9},
      {"IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG", 10},
      {"IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT", 11},
      {"IMAGE_DIRECTORY_ENTRY_IAT", 12},
      {"IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT", 13},
      {"IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR", 14},
      {"IMAGE_NT_OPTIONAL_HDR32_MAGIC", 0x10b},
      {"IMAGE_NT_OPTIONAL_HDR64_MAGIC", 0x20b},
      {"IMAGE_ROM_OPTIONAL_HDR_MAGIC", 0x107},
      {"SECTION_NO_PAD", 0x00000008},
      {"SECTION_CNT_CODE", 0x00000020},
      {"SECTION_CNT_INITIALIZED_DATA", 0x00000040},
      {"SECTION_CNT_UNINITIALIZED_DATA", 0x00000080},
      {"SECTION_LNK_OTHER", 0x00000100},
      {"SECTION_LNK_INFO", 0x00000200},
      {"SECTION_LNK_REMOVE", 0x00000800},
      {"SECTION_LNK_COMDAT", 0x00001000},
      {"SECTION_NO_DEFER_SPEC_EXC", 0x00004000},
      {"SECTION_GPREL", 0x00008000},
      {"SECTION_MEM_FARDATA", 0x00008000},
      {"SECTION_MEM_PURGEABLE", 0x00020000},
      {"SECTION_MEM_16BIT", 0x00020000},
      {"SECTION_MEM_LOCKED", 0x00040000},
      {"SECTION_MEM_PRELOAD", 0x00080000},
      {"SECTION_ALIGN_1BYTES", 0x00100000},
      {"SECTION_ALIGN_2BYTES", 0x00200000},
      {"SECTION_ALIGN_4BYTES", 0x00300000},
      {"SECTION_ALIGN_8BYTES", 0x00400000},
      {"SECTION_ALIGN_16BYTES", 0x00500000},
      {"SECTION_ALIGN_32BYTES", 0x00600000},
      {"SECTION_ALIGN_64BYTES", 0x00700000},
      {"SECTION_ALIGN_128BYTES", 0x00800000},
      {"SECTION_ALIGN_256BYTES", 0x00900000},
      {"SECTION_ALIGN_512BYTES", 0x00A00000},
      {"SECTION_ALIGN_1024BYTES", 0x00B00000},
      {"SECTION_ALIGN_2048BYTES", 0x00C00000},
      {"SECTION_ALIGN_4096BYTES", 0x00D00000},
      {"SECTION_ALIGN_8192BYTES", 0x00E00000},
      {"SECTION_ALIGN_MASK", 0x00F00000},
      {"SECTION_LNK_NRELOC_OVFL", 0x01000000},
      {"SECTION_MEM_DISCARDABLE", 0x02000000},
      {"SECTION_MEM_NOT_CACHED", 0x04000000},
      {"SECTION_MEM_NOT_PAGED", 0x08000000},
      {"SECTION_MEM_SHARED", 0x10000000},
      {"SECTION_MEM_EXECUTE", 0x20000000},
      {"SECTION_MEM_READ", 0x40000000},
      {"SECTION_MEM_WRITE", 0x80000000},
      {"SECTION_SCALE_INDEX", 0x00000001},
      {"RESOURCE_TYPE_CURSOR", 1},
      {"RESOURCE_TYPE_BITMAP", 2},
      {"RESOURCE_TYPE_ICON", 3},
      {"RESOURCE_TYPE_MENU", 4},
      {"RESOURCE_TYPE_DIALOG", 5},
      {"RESOURCE_TYPE_STRING", 6},
      {"RESOURCE_TYPE_FONTDIR", 7},
      {"RESOURCE_TYPE_FONT", 8},
      {"RESOURCE_TYPE_ACCELERATOR", 9},
      {"RESOURCE_TYPE_RCDATA", 10},
      {"RESOURCE_TYPE_MESSAGETABLE", 11},
      {"RESOURCE_TYPE_GROUP_CURSOR", 12},
      {"RESOURCE_TYPE_GROUP_ICON", 14},
      {"RESOURCE_TYPE_VERSION", 16},
      {"RESOURCE_TYPE_DLGINCLUDE", 17},
      {"RESOURCE_TYPE_PLUGPLAY", 19},
      {"RESOURCE_TYPE_VXD", 20},
      {"RESOURCE_TYPE_ANICURSOR", 21},
      {"RESOURCE_TYPE_ANIICON", 22},
      {"RESOURCE_TYPE_HTML", 23},
      {"RESOURCE_TYPE_MANIFEST", 24},
      {"IMAGE_DEBUG_TYPE_UNKNOWN", 0},
      {"IMAGE_DEBUG_TYPE_COFF", 1},
      {"IMAGE_DEBUG_TYPE_CODEVIEW", 2},
      {"IMAGE_DEBUG_TYPE_FPO", 3},
      {"IMAGE_DEBUG_TYPE_MISC", 4},
      {"IMAGE_DEBUG_TYPE_EXCEPTION", 5},
      {"IMAGE_DEBUG_TYPE_FIXUP", 6},
      {"IMAGE_DEBUG_TYPE_OMAP_TO_SRC", 7},
      {"IMAGE_DEBUG_TYPE_OMAP_FROM_SRC", 8},
      {"IMAGE_DEBUG_TYPE_BORLAND", 9},
      {"IMAGE_DEBUG_TYPE_RESERVED10", 10},
      {"IMAGE_DEBUG_TYPE_CLSID", 11},
      {"IMAGE_DEBUG_TYPE_VC_FEATURE", 12},
      {"IMAGE_DEBUG_TYPE_POGO", 13},
      {"IMAGE_DEBUG_TYPE_ILTCG", 14},
      {"IMAGE_DEBUG_TYPE_MPX", 15},
      {"IMAGE_DEBUG_TYPE_REPRO", 16},
      {"IMPORT_DELAYED", 2},
      {"IMPORT_STANDARD", 1},
      {"IMPORT_ANY", -1},
  };
  std::vector<Decl> out;
  for (const C& c : kConstants) out.push_back(constant(c.name, c.value));
  return out;
}

Decl version_pair(const char* name) {
  return structure(name, {integer("major"), integer("minor")});
}

Decl import_details(const char* name) {
  return array(name,
               structure("", {string("library_name"), integer("number_of_functions"),
                              array("functions", structure("", {string("name"), integer("ordinal"),
                                                                integer("rva")}))}));
}

std::vector<Decl> declarations() {
  std::vector<Decl> d = constants();
  auto add = [&d](Decl x) { d.push_back(std::move(x)); };
  for (const char* n :
       {"is_pe", "machine", "number_of_sections", "timestamp", "pointer_to_symbol_table",
        "number_of_symbols", "size_of_optional_header", "characteristics", "entry_point",
        "entry_point_raw", "image_base", "number_of_rva_and_sizes", "number_of_version_infos"})
    add(integer(n));
  add(dictionary("version_info", string("")));
  add(array("version_info_list", structure("", {string("key"), string("value")})));
  for (const char* n :
       {"opthdr_magic", "size_of_code", "size_of_initialized_data", "size_of_uninitialized_data",
        "base_of_code", "base_of_data", "section_alignment", "file_alignment"})
    add(integer(n));
  for (const char* n : {"linker_version", "os_version", "image_version", "subsystem_version"})
    add(version_pair(n));
  for (const char* n : {"win32_version_value", "size_of_image", "size_of_headers", "checksum"})
    add(integer(n));
  add(calculate_checksum_decl());
  for (const char* n :
       {"subsystem", "dll_characteristics", "size_of_stack_reserve", "size_of_stack_commit",
        "size_of_heap_reserve", "size_of_heap_commit", "loader_flags"})
    add(integer(n));
  add(array("data_directories", structure("", {integer("virtual_address"), integer("size")})));
  add(array("sections",
            structure("", {string("name"), string("full_name"), integer("characteristics"),
                           integer("virtual_address"), integer("virtual_size"),
                           integer("raw_data_offset"), integer("raw_data_size"),
                           integer("pointer_to_relocations"), integer("pointer_to_line_numbers"),
                           integer("number_of_relocations"), integer("number_of_line_numbers")})));
  add(structure("overlay", {integer("offset"), integer("size")}));
  std::vector<Decl> rich = {integer("offset"),  integer("length"),    integer("key"),
                            string("raw_data"), string("clear_data"), string("version_data")};
  for (Decl& f : function_decls_rich()) rich.push_back(std::move(f));
  add(structure("rich_signature", std::move(rich)));
  for (Decl& f : function_decls_root()) add(std::move(f));
  for (const char* n :
       {"number_of_imports", "number_of_imported_functions", "number_of_delayed_imports",
        "number_of_delayed_imported_functions", "number_of_exports"})
    add(integer(n));
  add(string("dll_name"));
  add(integer("export_timestamp"));
  add(array("export_details",
            structure("", {integer("offset"), string("name"), string("forward_name"),
                           integer("ordinal"), integer("rva")})));
  add(import_details("import_details"));
  add(import_details("delayed_import_details"));
  add(integer("resource_timestamp"));
  add(version_pair("resource_version"));
  add(array("resources",
            structure("", {integer("rva"), integer("offset"), integer("length"), integer("type"),
                           integer("id"), integer("language"), string("type_string"),
                           string("name_string"), string("language_string")})));
  add(integer("number_of_resources"));
  add(string("pdb_path"));
  for (Decl& s : signature_decls()) add(std::move(s));
  add(rva_to_offset_decl());
  return d;
}

std::unique_ptr<Instance> load(const Module& self, const uint8_t* data, size_t size) {
  auto inst = std::make_unique<PeInstance>(self);
  Object& root = inst->root;
  root["is_pe"].set(int64_t{0});
  inst->view = PeView::parse(data, size);
  if (!inst->view) return inst;
  const PeView& pe = *inst->view;
  parse_headers(pe, root);
  parse_rich_signature(pe, root);
  parse_debug_directory(pe, root);
  SignatureLayout layout;
  layout.checksum_offset = pe.optional + 64;
  if (auto entry = pe.directory(kDirectorySecurity)) {
    layout.security_entry_offset = *entry;
    layout.security_offset = pe.directory_rva(*entry);
    layout.security_size = pe.directory_size(*entry);
  }
  fill_signatures(root, data, size, layout);
  parse_imports(pe, *inst);
  parse_delayed_imports(pe, *inst);
  parse_exports(pe, root);
  return inst;
}

}  // namespace
}  // namespace pe

const Module& pe_module() {
  static const Module module = make_module("pe", pe::declarations(), pe::load);
  return module;
}

}  // namespace harrier::modules
