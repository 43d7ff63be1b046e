//! Writes minimal static ELF32 executables (no section headers), with every header
//! field exposed so tests can also craft malformed files.

/// A loadable segment.
#[derive(Clone, Debug)]
pub struct Segment {
    pub vaddr: u32,
    pub data: Vec<u8>,
    /// Memory size; at least `data.len()` for a well-formed file.
    pub memsz: u32,
    /// `PF_X = 1`, `PF_W = 2`, `PF_R = 4`.
    pub flags: u32,
}

impl Segment {
    pub fn code(vaddr: u32, words: &[u32]) -> Self {
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        Self { vaddr, memsz: data.len() as u32, data, flags: 5 }
    }

    pub fn data(vaddr: u32, data: Vec<u8>) -> Self {
        Self { vaddr, memsz: data.len() as u32, data, flags: 6 }
    }
}

/// The header fields of the file.
#[derive(Clone, Debug)]
pub struct ElfFile {
    pub class: u8,
    pub endianness: u8,
    pub e_type: u16,
    pub machine: u16,
    pub entry: u32,
    pub segments: Vec<Segment>,
}

impl ElfFile {
    /// A well-formed RISC-V executable.
    pub fn riscv(entry: u32, segments: Vec<Segment>) -> Self {
        Self { class: 1, endianness: 1, e_type: 2, machine: 243, entry, segments }
    }

    /// The file's bytes. Segment data is placed at file offsets congruent to the load
    /// address modulo the page size, as loaders such as qemu's require.
    pub fn to_bytes(&self) -> Vec<u8> {
        const EHSIZE: usize = 52;
        const PHENTSIZE: usize = 32;
        let mut out = vec![0u8; EHSIZE + PHENTSIZE * self.segments.len()];
        let mut offsets = Vec::new();
        for seg in &self.segments {
            let page_start = out.len().div_ceil(0x1000) * 0x1000;
            let offset = page_start + (seg.vaddr as usize & 0xfff);
            out.resize(offset, 0);
            out.extend_from_slice(&seg.data);
            offsets.push(offset as u32);
        }
        let put16 = |out: &mut Vec<u8>, at: usize, v: u16| {
            out[at..at + 2].copy_from_slice(&v.to_le_bytes())
        };
        let put32 = |out: &mut Vec<u8>, at: usize, v: u32| {
            out[at..at + 4].copy_from_slice(&v.to_le_bytes())
        };
        out[0..4].copy_from_slice(b"\x7fELF");
        out[4] = self.class;
        out[5] = self.endianness;
        out[6] = 1; // EI_VERSION
        put16(&mut out, 16, self.e_type);
        put16(&mut out, 18, self.machine);
        put32(&mut out, 20, 1); // e_version
        put32(&mut out, 24, self.entry);
        put32(&mut out, 28, EHSIZE as u32); // e_phoff
        put32(&mut out, 32, 0); // e_shoff
        put32(&mut out, 36, 0); // e_flags
        put16(&mut out, 40, EHSIZE as u16);
        put16(&mut out, 42, PHENTSIZE as u16);
        put16(&mut out, 44, self.segments.len() as u16);
        put16(&mut out, 46, 40); // e_shentsize
        for (i, (seg, offset)) in self.segments.iter().zip(offsets).enumerate() {
            let at = EHSIZE + i * PHENTSIZE;
            put32(&mut out, at, 1); // PT_LOAD
            put32(&mut out, at + 4, offset);
            put32(&mut out, at + 8, seg.vaddr);
            put32(&mut out, at + 12, seg.vaddr);
            put32(&mut out, at + 16, seg.data.len() as u32);
            put32(&mut out, at + 20, seg.memsz);
            put32(&mut out, at + 24, seg.flags);
            put32(&mut out, at + 28, 0x1000);
        }
        out
    }
}
