// A small demonstration rule set for `make`: harmless facts about ordinary files.

rule elf_executable : format
{
  meta:
    description = "ELF binary"
  condition:
    uint32(0) == 0x464C457F
}

rule pe_executable : format
{
  meta:
    description = "MZ/PE binary"
  condition:
    uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550
}

rule shell_script : format
{
  strings:
    $sh = /^#![ ]?\/(usr\/)?bin\/(env )?(ba|da|z)?sh/
  condition:
    $sh at 0
}

rule upx_packed : packer
{
  strings:
    $upx0 = "UPX0"
    $upx1 = "UPX1"
    $info = "$Info: This file is packed with the UPX"
  condition:
    ($upx0 and $upx1) or $info
}

rule embedded_private_key : secret
{
  strings:
    $pem = /-----BEGIN ((RSA|EC|DSA|OPENSSH) )?PRIVATE KEY-----/
  condition:
    $pem
}
