//! Loading a guest program from an ELF32 RISC-V executable.
//!
//! The loader parses the file with the `elf` crate and then checks everything the
//! executor relies on: a 32-bit little-endian RISC-V executable, loadable segments that
//! lie inside guest memory and do not overlap, file ranges inside the file, and an entry
//! point in an executable segment. The result is a [`Program`]: the initial memory image
//! as words, plus the entry point.

use std::collections::BTreeMap;

use abi::memory::{GUEST_MIN_ADDR, MEMORY_TOP};
use elf::{abi as elf_abi, endian::AnyEndian, file::Class, ElfBytes};

/// Why an ELF file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// The file is not a well-formed ELF file (bad magic, truncated headers, …).
    #[error("malformed ELF file: {0}")]
    Malformed(String),
    /// The file is a 64-bit ELF file.
    #[error("ELF class must be ELF32, found ELF64")]
    WrongClass,
    /// The file is big-endian.
    #[error("ELF data must be little-endian")]
    WrongEndianness,
    /// The file is not for RISC-V.
    #[error("ELF machine must be RISC-V (243), found {0}")]
    WrongMachine(u16),
    /// The file is not a static executable.
    #[error("ELF type must be ET_EXEC (2), found {0}")]
    NotExecutable(u16),
    /// The file has no loadable segment.
    #[error("ELF file has no PT_LOAD segment")]
    NoLoadableSegments,
    /// A segment's file bytes lie past the end of the file.
    #[error("segment {index} reads file bytes {offset:#x}..+{size:#x} past the end of the file")]
    SegmentOutOfFile {
        /// Index of the program header.
        index: usize,
        /// File offset of the segment.
        offset: u64,
        /// Number of file bytes.
        size: u64,
    },
    /// A segment's file size exceeds its memory size.
    #[error("segment {index} has p_filesz {filesz:#x} > p_memsz {memsz:#x}")]
    FileSizeExceedsMemSize {
        /// Index of the program header.
        index: usize,
        /// Size in the file.
        filesz: u64,
        /// Size in memory.
        memsz: u64,
    },
    /// A segment lies (partly) outside guest memory.
    #[error("segment {index} at {vaddr:#x}..+{memsz:#x} lies outside guest memory [{GUEST_MIN_ADDR:#x}, {MEMORY_TOP:#x})")]
    SegmentOutOfRange {
        /// Index of the program header.
        index: usize,
        /// Load address.
        vaddr: u64,
        /// Size in memory.
        memsz: u64,
    },
    /// Two loadable segments share memory.
    #[error("segments {first} and {second} overlap in memory")]
    OverlappingSegments {
        /// Index of the earlier program header.
        first: usize,
        /// Index of the later program header.
        second: usize,
    },
    /// The entry point is misaligned or not inside an executable segment.
    #[error("entry point {0:#x} is not an aligned address inside an executable segment")]
    BadEntryPoint(u64),
}

/// A loaded guest program: the initial memory image and the entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Address of the first instruction.
    pub entry: u32,
    /// Initial memory contents, word address → word. Absent words are zero.
    pub image: BTreeMap<u32, u32>,
    /// Address ranges `[start, end)` of executable segments, word aligned outwards.
    pub executable: Vec<(u32, u32)>,
}

impl Program {
    /// Parses and checks an ELF32 RISC-V executable.
    pub fn from_elf(bytes: &[u8]) -> Result<Self, ElfError> {
        // Class and byte order decide how the rest of the header parses, so check them
        // first: a 64-bit or big-endian file gets its own error, not a parse failure.
        if bytes.len() >= elf_abi::EI_NIDENT && bytes.starts_with(&elf_abi::ELFMAGIC) {
            if bytes[elf_abi::EI_CLASS] == elf_abi::ELFCLASS64 {
                return Err(ElfError::WrongClass);
            }
            if bytes[elf_abi::EI_DATA] == elf_abi::ELFDATA2MSB {
                return Err(ElfError::WrongEndianness);
            }
        }
        let file = ElfBytes::<AnyEndian>::minimal_parse(bytes)
            .map_err(|e| ElfError::Malformed(e.to_string()))?;
        let header = &file.ehdr;
        if header.class != Class::ELF32 {
            return Err(ElfError::WrongClass);
        }
        if header.endianness != AnyEndian::Little {
            return Err(ElfError::WrongEndianness);
        }
        if header.e_machine != elf_abi::EM_RISCV {
            return Err(ElfError::WrongMachine(header.e_machine));
        }
        if header.e_type != elf_abi::ET_EXEC {
            return Err(ElfError::NotExecutable(header.e_type));
        }
        let segments = file.segments().ok_or(ElfError::NoLoadableSegments)?;
        let mut loads: Vec<(usize, elf::segment::ProgramHeader)> = Vec::new();
        for (index, phdr) in segments.iter().enumerate() {
            if phdr.p_type == elf_abi::PT_LOAD && phdr.p_memsz > 0 {
                check_segment(index, &phdr, bytes.len() as u64)?;
                loads.push((index, phdr));
            }
        }
        if loads.is_empty() {
            return Err(ElfError::NoLoadableSegments);
        }
        loads.sort_by_key(|(_, p)| p.p_vaddr);
        for pair in loads.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.1.p_vaddr + a.1.p_memsz > b.1.p_vaddr {
                let (first, second) = (a.0.min(b.0), a.0.max(b.0));
                return Err(ElfError::OverlappingSegments { first, second });
            }
        }

        let mut image = BTreeMap::new();
        let mut executable = Vec::new();
        for (_, phdr) in &loads {
            // Checked above: offset + filesz lies inside `bytes`, vaddr + memsz below MEMORY_TOP.
            let data = &bytes[phdr.p_offset as usize..(phdr.p_offset + phdr.p_filesz) as usize];
            let vaddr = phdr.p_vaddr as u32;
            for (i, byte) in data.iter().enumerate() {
                let addr = vaddr + i as u32;
                let word = image.entry(addr & !3).or_insert(0u32);
                *word |= u32::from(*byte) << (8 * (addr & 3));
            }
            if phdr.p_flags & elf_abi::PF_X != 0 {
                let end = (vaddr + phdr.p_memsz as u32 + 3) & !3;
                executable.push((vaddr & !3, end));
            }
        }
        image.retain(|_, word| *word != 0);

        let entry = header.e_entry;
        let in_code =
            executable.iter().any(|(s, e)| entry >= u64::from(*s) && entry < u64::from(*e));
        if entry % 4 != 0 || !in_code {
            return Err(ElfError::BadEntryPoint(entry));
        }
        Ok(Program { entry: entry as u32, image, executable })
    }
}

fn check_segment(
    index: usize,
    phdr: &elf::segment::ProgramHeader,
    file_len: u64,
) -> Result<(), ElfError> {
    if phdr.p_filesz > phdr.p_memsz {
        return Err(ElfError::FileSizeExceedsMemSize {
            index,
            filesz: phdr.p_filesz,
            memsz: phdr.p_memsz,
        });
    }
    let file_end = phdr.p_offset.checked_add(phdr.p_filesz);
    if file_end.is_none_or(|end| end > file_len) {
        return Err(ElfError::SegmentOutOfFile {
            index,
            offset: phdr.p_offset,
            size: phdr.p_filesz,
        });
    }
    let mem_end = phdr.p_vaddr.checked_add(phdr.p_memsz);
    if phdr.p_vaddr < u64::from(GUEST_MIN_ADDR) || mem_end.is_none_or(|e| e > u64::from(MEMORY_TOP))
    {
        return Err(ElfError::SegmentOutOfRange {
            index,
            vaddr: phdr.p_vaddr,
            memsz: phdr.p_memsz,
        });
    }
    Ok(())
}
