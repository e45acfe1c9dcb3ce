// Module rules run by tests/modules/module_rules.py over real PE and ELF files; every
// verdict must equal yara's. One concept per rule; names say what they test.
import "pe"
import "elf"
import "math"
import "hash"
import "time"

rule pe_is_pe { condition: pe.is_pe }
rule pe_is_dll { condition: pe.is_dll() }
rule pe_is_32bit { condition: pe.is_32bit() }
rule pe_is_64bit { condition: pe.is_64bit() }
rule pe_machine_amd64 { condition: pe.machine == pe.MACHINE_AMD64 }
rule pe_native_subsystem { condition: pe.subsystem == pe.SUBSYSTEM_NATIVE }
rule pe_gui_subsystem { condition: pe.subsystem == pe.SUBSYSTEM_WINDOWS_GUI }
rule pe_dll_characteristic { condition: pe.characteristics & pe.DLL }
rule pe_many_sections { condition: pe.number_of_sections > 6 }
rule pe_first_section_text { condition: pe.sections[0].name == ".text" }
rule pe_any_rsrc_section { condition: for any s in pe.sections : (s.name == ".rsrc") }
rule pe_writable_code {
  condition: for any i in (0..pe.number_of_sections - 1) :
    (pe.sections[i].characteristics & pe.SECTION_MEM_EXECUTE and
     pe.sections[i].characteristics & pe.SECTION_MEM_WRITE)
}
rule pe_imports_kernel32 { condition: pe.imports("kernel32.dll") }
rule pe_imports_ntoskrnl_fn { condition: pe.imports("ntoskrnl.exe", "IoCreateDevice") }
rule pe_imports_regex { condition: pe.imports(/^msvcrt\.dll$/i, /^_?str/) }
rule pe_imports_ordinal { condition: pe.imports("ws2_32.dll", 23) }
rule pe_many_imports { condition: pe.number_of_imports > 8 }
rule pe_imported_functions { condition: pe.number_of_imported_functions > 150 }
rule pe_exports_dllregister { condition: pe.exports("DllRegisterServer") }
rule pe_exports_regex { condition: pe.exports(/^Nt[A-Z]/) }
rule pe_many_exports { condition: pe.number_of_exports > 100 }
rule pe_dll_name_match { condition: pe.dll_name icontains "shell" }
rule pe_imphash_seen { condition: pe.imphash() == "d41d8cd98f00b204e9800998ecf8427e" }
rule pe_imphash_prefix { condition: pe.imphash() startswith "0" }
rule pe_version_wine { condition: pe.version_info["CompanyName"] contains "Wine" }
rule pe_version_any { condition: for any k, v in pe.version_info : (k == "FileDescription" and v icontains "library") }
rule pe_resources { condition: pe.number_of_resources > 3 }
rule pe_resource_version { condition: for any r in pe.resources : (r.type == pe.RESOURCE_TYPE_VERSION) }
rule pe_overlay { condition: pe.overlay.size > 0 }
rule pe_checksum_ok { condition: pe.checksum != 0 and pe.checksum == pe.calculate_checksum() }
rule pe_checksum_zero { condition: pe.checksum == 0 }
rule pe_entry_in_text { condition: pe.entry_point >= pe.sections[0].raw_data_offset and pe.entry_point < pe.sections[0].raw_data_offset + pe.sections[0].raw_data_size }
rule pe_rva_to_offset { condition: pe.rva_to_offset(pe.sections[0].virtual_address) == pe.sections[0].raw_data_offset }
rule pe_export_dir { condition: pe.data_directories[pe.IMAGE_DIRECTORY_ENTRY_EXPORT].size > 1000 }
rule pe_section_index { condition: pe.section_index(".data") == 2 }
rule pe_timestamp_old { condition: pe.timestamp < 1000000000 }
rule pe_linker { condition: pe.linker_version.major >= 2 }
rule pe_signed { condition: pe.number_of_signatures > 0 }
rule pe_rich { condition: pe.rich_signature.length > 0 }
rule pe_pdb { condition: pe.pdb_path contains ".pdb" }
rule pe_mz_and_sizes { condition: uint16(0) == 0x5a4d and pe.size_of_image > 0x100000 }

rule elf_dyn { condition: elf.type == elf.ET_DYN }
rule elf_exec { condition: elf.type == elf.ET_EXEC }
rule elf_x86_64 { condition: elf.machine == elf.EM_X86_64 }
rule elf_many_sections { condition: elf.number_of_sections > 30 }
rule elf_text_section { condition: for any s in elf.sections : (s.name == ".text" and s.size > 100000) }
rule elf_exec_segment { condition: for any s in elf.segments : (s.type == elf.PT_LOAD and s.flags & elf.PF_X and s.flags & elf.PF_W) }
rule elf_dynsym_malloc { condition: for any s in elf.dynsym : (s.name == "malloc") }
rule elf_symtab { condition: elf.symtab_entries > 0 }
rule elf_needed { condition: for any d in elf.dynamic : (d.type == elf.DT_NEEDED) }
rule elf_entry { condition: elf.entry_point > 0 and elf.entry_point < filesize }

rule math_high_entropy { condition: math.entropy(0, filesize) > 6.5 }
rule math_low_entropy { condition: math.entropy(0, filesize) < 4.0 }
rule math_mean_range { condition: math.in_range(math.mean(0, filesize), 60.0, 90.0) }
rule math_deviation { condition: math.deviation(0, filesize, math.MEAN_BYTES) > 100.0 }
rule math_serial { condition: math.serial_correlation(0, filesize) > 0.3 }
rule math_pi { condition: math.monte_carlo_pi(0, filesize) < 0.5 }
rule math_head_entropy { condition: math.entropy(0, 1024) > 3.0 }
rule math_section_entropy { condition: for any s in pe.sections : (math.entropy(s.raw_data_offset, s.raw_data_size) > 7.0) }
rule math_string_entropy { condition: math.entropy("abcdefgh") == 3.0 }

rule hash_md5_empty { condition: hash.md5(0, 0) == "d41d8cd98f00b204e9800998ecf8427e" }
rule hash_md5_head { condition: hash.md5(0, 2) == "ac6ad5d9b99757c3a878f2d275ace198" }
rule hash_sha1_head { condition: hash.sha1(0, 4) == "a9cc8bdbb5cafdd5c9dedf4d3a1d38c30e5b9d3b" }
rule hash_sha256_string { condition: hash.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" }
rule hash_crc32_head { condition: hash.crc32(0, 4) == 0x4c2a0c7d }
rule hash_checksum32 { condition: hash.checksum32(0, 4) > 200 }
rule hash_section_md5 { condition: for any s in pe.sections : (hash.md5(s.raw_data_offset, s.raw_data_size) == "d41d8cd98f00b204e9800998ecf8427e") }

rule time_now { condition: time.now() > 1600000000 }
