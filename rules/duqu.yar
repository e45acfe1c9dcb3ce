/*
  harrier's rule pack for Duqu (2011), Duqu 2.0 (2015) and Stuxnet, used by `harrier hunt`.

  Written by the harrier team from public indicators only; every rule names its sources in
  `source` (and `source2`) metadata, and the facts with their sources are collected in
  ../shared/docs/duqu-facts.md. Nothing here is copied from another rule set. `score` is the
  weight the hunt gives a hit (Loki/THOR style: 100 and more is an alert).

  The strings are deliberately combined (two or more independent indicators, or an
  indicator plus a file-type check) because a single common word on a 20 GB disk finds
  something innocent. Every rule compiles with yara 4.2.3 and fires on none of libwine's
  PE files nor on /usr/bin (tests/hunt checks this).
*/

import "pe"

rule Duqu_Driver_JMicron_Masquerade
{
  meta:
    description = "Duqu 2011 driver posing as a JMicron Volume Snapshot Driver (jminet7.sys family): version info and device names"
    family = "Duqu"
    score = 90
    source = "duqu-facts.md 1.3: jminet7.sys version info and strings of sample f2b631fcdf83b928661a7e09dd11fa640251a4850ff570436f3b16abef0fad10"
    source2 = "https://www.secureworks.com/blog/duqu"
  strings:
    $product = "JMicron Volume Snapshot Driver" ascii wide
    $dev1 = "\\DosDevices\\GpdDev" ascii wide
    $dev2 = "\\Device\\Gpd0" ascii wide
    $dev3 = "\\Device\\Gpd1" ascii wide
  condition:
    ($product and 1 of ($dev*)) or 2 of ($dev*)
}

rule Duqu_Driver_Signed_CMedia
{
  meta:
    description = "Kernel driver signed with the C-Media Electronics certificate abused by Duqu 2011 (cmi4432.sys)"
    family = "Duqu"
    score = 80
    source = "https://www.securityweek.com/stuxnet-trojan-duqu-further-undermines-certificate-authorities/"
    source2 = "Mandiant OpenIOC DUQU (METHODOLOGY) 72669174-dd77-4a4e-82ed-99a96784f36e: subject C-Media Electronics Incorporation and cmi4432.sys"
  strings:
    $subject = "C-Media Electronics Incorporation" ascii wide
    $name = "cmi4432" ascii wide nocase
  condition:
    uint16(0) == 0x5A4D and $subject and $name
}

rule Duqu_Config_Service_And_Components
{
  meta:
    description = "Decrypted Duqu configuration: the ALiIDE service with its driver and PNF component names, or the kasperskychk connectivity check"
    family = "Duqu"
    score = 90
    source = "https://www.trendmicro.com/vinfo/in/threat-encyclopedia/malware/troj_duqu.cf"
  strings:
    $svc = "ALiIDE" ascii wide
    $drv = "allide1.sys" ascii wide nocase
    $pnf1 = "iddr021.pnf" ascii wide nocase
    $pnf2 = "iddr022.pnf" ascii wide nocase
    $chk = "kasperskychk.dyndns.org" ascii wide nocase
  condition:
    2 of them
}

rule Duqu_Keylogger_In_JPEG
{
  meta:
    description = "Duqu 2011 infostealer/keylogger carried inside a JPEG (the NGC 6745 Hubble image): a JPEG whose body holds a Windows executable"
    family = "Duqu"
    score = 70
    source = "https://archive.f-secure.com/weblog/archives/00002257.html"
    source2 = "https://www.secureworks.com/blog/duqu"
  strings:
    $stub = "This program cannot be run in DOS mode" ascii
    $pe = { 50 45 00 00 4C 01 }
  condition:
    uint16(0) == 0xD8FF and uint8(2) == 0xFF and $stub and $pe and
    @stub[1] > 256 and filesize < 2MB
}

rule Duqu_Exfiltration_Upload
{
  meta:
    description = "Trace of Duqu 2011 exfiltration: the dsc00001.jpg upload (JPEG with the stolen data appended) next to a Duqu C&C address, e.g. in a proxy log or capture"
    family = "Duqu"
    score = 90
    source = "https://archive.f-secure.com/weblog/archives/00002257.html"
    source2 = "http://www.isssource.com/duqu-server-moved-to-belgium/"
  strings:
    $upload = "dsc00001.jpg" ascii wide nocase
    $cc1 = "206.183.111.97" ascii wide
    $cc2 = "77.241.93.160" ascii wide
    $cc3 = "canoyragomez.rapidns.com" ascii wide nocase
  condition:
    $upload and any of ($cc*)
}

rule Duqu_Installer_Document_Dexter_Font
{
  meta:
    description = "Duqu 2011 installer: a Word document embedding the TrueType font 'Dexter Regular' by 'Showtime Inc.' (CVE-2011-3402)"
    family = "Duqu"
    score = 100
    source = "https://usa.kaspersky.com/about/press-releases/2011_duqu-meets-dexter"
    source2 = "https://raw.githubusercontent.com/CVEProject/cvelistV5/main/cves/2011/3xxx/CVE-2011-3402.json"
  strings:
    $font = "Dexter Regular" ascii wide
    $font_be = { 00 44 00 65 00 78 00 74 00 65 00 72 00 20 00 52 00 65 00 67 00 75 00 6C 00 61 00 72 }
    $maker = "Showtime Inc" ascii wide
    $maker_be = { 00 53 00 68 00 6F 00 77 00 74 00 69 00 6D 00 65 00 20 00 49 00 6E 00 63 }
  condition:
    (uint32(0) == 0xE011CFD0 or uint32(0) == 0x04034B50 or uint32(0) == 0x74725C7B) and
    ($font or $font_be) and ($maker or $maker_be)
}

rule Duqu2_Named_Pipes_And_Mutex
{
  meta:
    description = "Duqu 2.0 (2015) named pipes and mutex published by Kaspersky"
    family = "Duqu 2.0"
    score = 100
    source = "https://securelist.com/the-mystery-of-duqu-2-0-a-sophisticated-cyberespionage-actor-returns/70504/"
    source2 = "duqu-facts.md 1b: string IOCs in Kaspersky's YARA rules of 2015-06-09"
  strings:
    $pipe1 = "{AAFFC4F0-E04B-4C7C-B40A-B45DE971E81E}" ascii wide nocase
    $pipe2 = "{AB6172ED-8105-4996-9D2A-597B5F827501}" ascii wide nocase
    $mutex = "{B54E3268-DE1E-4c1e-A667-2596751403AD}" ascii wide nocase
  condition:
    any of them
}

rule Duqu2_Gateway_Driver
{
  meta:
    description = "Duqu 2.0 (2015) persistence driver on gateways and firewalls: port_optimizer device and its marker strings"
    family = "Duqu 2.0"
    score = 100
    source = "https://securelist.com/the-mystery-of-duqu-2-0-a-sophisticated-cyberespionage-actor-returns/70504/"
    source2 = "duqu-facts.md 1b"
  strings:
    $dev = "\\DosDevices\\port_optimizer" ascii wide
    $s1 = "romanian.antihacker" ascii wide
    $s2 = "PortOptimizerTermSrv" ascii wide
    $s3 = "ugly.gorilla1" ascii wide
  condition:
    2 of them
}

rule Duqu2_MSI_Package
{
  meta:
    description = "Duqu 2.0 (2015) MSI-based lateral movement: the loader's Binary-table queries and marker"
    family = "Duqu 2.0"
    score = 90
    source = "https://securelist.com/the-mystery-of-duqu-2-0-a-sophisticated-cyberespionage-actor-returns/70504/"
    source2 = "duqu-facts.md 1b"
  strings:
    $marker = "msisvc_32@" ascii wide
    $q1 = "SELECT `Data` FROM `Binary` WHERE `Name`='%s%i'" ascii wide
    $q2 = "SELECT `Data` FROM `Binary` WHERE `Name`='CryptHash%i'" ascii wide
    $q3 = "SELECT `Data` FROM `Binary` WHERE `Name`='CAData%i'" ascii wide
  condition:
    $marker and any of ($q*)
}

rule Stuxnet_Component_Strings
{
  meta:
    description = "Stuxnet component: two or more of its published file names (PNF payloads, removable-media files, the Step 7 DLL, the guava PDB)"
    family = "Stuxnet"
    score = 90
    source = "http://www.microsoft.com/security/portal/threat/encyclopedia/entry.aspx?Name=Trojan%3AWinNT%2FStuxnet.A"
    source2 = "https://f-secure.com/v-descs/trojan-dropper_w32_stuxnet.shtml"
  strings:
    $pnf1 = "\\inf\\oem7A.PNF" ascii wide nocase
    $pnf2 = "\\inf\\mdmcpq3.PNF" ascii wide nocase
    $pnf3 = "\\inf\\mdmeric3.PNF" ascii wide nocase
    $pnf4 = "\\inf\\oem6C.PNF" ascii wide nocase
    $tmp1 = "~WTR4141.tmp" ascii wide nocase
    $tmp2 = "~WTR4132.tmp" ascii wide nocase
    $s7 = "s7hkimdx.dll" ascii wide nocase
    $pdb = "guava.pdb" ascii nocase
  condition:
    2 of them
}

rule Stuxnet_Driver_Stolen_Certificate
{
  meta:
    description = "Stuxnet driver (MRxCls/MRxNet) signed with the stolen Realtek or JMicron certificate"
    family = "Stuxnet"
    score = 100
    source = "http://securelist.com/stuxnet-and-stolen-certificates/29724"
    source2 = "https://nakedsecurity.sophos.com/2010/07/20/certified-uncertainty/"
  strings:
    $cert1 = "http://www.realtek.com0" ascii
    $cert2 = "http://www.jmicron.co.tw0" ascii
    $name1 = "mrxcls" ascii wide nocase
    $name2 = "mrxnet" ascii wide nocase
  condition:
    uint16(0) == 0x5A4D and any of ($cert*) and any of ($name*)
}
