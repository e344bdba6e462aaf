using System.Buffers.Binary;
using System.Text;

namespace CompletionLsp.Neural.Native;

/// <summary>One version requirement of a shared object (an Elf64_Vernaux entry of <c>.gnu.version_r</c>).</summary>
/// <param name="File">The library the version is needed from (vn_file), e.g. libstdc++.so.6.</param>
/// <param name="Version">The version name (vna_name), e.g. GLIBCXX_3.4.32.</param>
/// <param name="Flags">vna_flags: <see cref="ElfFile.VerFlagWeak"/> marks a requirement whose absence is not fatal.</param>
/// <param name="Index">vna_other: the version index that <c>.gnu.version</c> gives the symbols of this version.</param>
/// <param name="FlagsOffset">File offset of vna_flags (for patching).</param>
public sealed record ElfVersionNeed(string File, string Version, ushort Flags, ushort Index, long FlagsOffset)
{
    public bool IsWeak => (Flags & ElfFile.VerFlagWeak) != 0;
}

/// <summary>A dynamic symbol bound to a version requirement, and whether any relocation refers to it.</summary>
public sealed record ElfVersionedSymbol(string Name, ushort VersionIndex, bool Relocated);

/// <summary>
/// A minimal, bounds-checked reader of little-endian ELF64 shared objects: section headers, the dynamic section's
/// DT_NEEDED entries, version requirements (<c>.gnu.version_r</c>: Verneed/Vernaux chains), and which dynamic symbols
/// carry a version and are referenced by relocations. Malformed input raises <see cref="InvalidDataException"/>;
/// nothing is read outside the buffer.
/// </summary>
public sealed class ElfFile
{
    public const ushort VerFlagWeak = 0x2;
    private const uint ShtRela = 4, ShtDynamic = 6, ShtRel = 9, ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    private const long DtNeeded = 1;

    private readonly byte[] _data;
    private readonly Section[] _sections;

    public readonly record struct Section(string Name, uint Type, ulong Offset, ulong Size, uint Link, uint Info, ulong EntSize);

    public ElfFile(byte[] data)
    {
        _data = data;
        if (data.Length < 64 || data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (data[4] != 2) throw new InvalidDataException("not a 64-bit ELF file");
        if (data[5] != 1) throw new InvalidDataException("not a little-endian ELF file");
        ulong shoff = U64(40);
        ushort shentsize = U16(58);
        uint shnum = U16(60);
        uint shstrndx = U16(62);
        if (shoff == 0) { _sections = []; return; }
        if (shentsize < 64) throw new InvalidDataException("bad section header size");
        // Extended numbering: the real counts live in section 0.
        Check(shoff, shentsize);
        if (shnum == 0) shnum = checked((uint)U64((long)shoff + 32));
        if (shstrndx == 0xFFFF) shstrndx = U32((long)shoff + 40);
        if (shnum > 1_000_000) throw new InvalidDataException("too many sections");
        Check(shoff, (ulong)shnum * shentsize);
        var raw = new (uint NameOff, uint Type, ulong Offset, ulong Size, uint Link, uint Info, ulong EntSize)[shnum];
        for (uint i = 0; i < shnum; i++)
        {
            long h = (long)shoff + i * shentsize;
            raw[i] = (U32(h), U32(h + 4), U64(h + 24), U64(h + 32), U32(h + 40), U32(h + 44), U64(h + 56));
        }
        _sections = new Section[shnum];
        bool haveNames = shstrndx < shnum && raw[shstrndx].Type != 8 /* NOBITS */;
        for (uint i = 0; i < shnum; i++)
        {
            var r = raw[i];
            if (r.Type != 8 /* NOBITS */ && r.Type != 0) Check(r.Offset, r.Size);
            string name = haveNames ? CString(raw[shstrndx].Offset, raw[shstrndx].Size, r.NameOff) : "";
            _sections[i] = new Section(name, r.Type, r.Offset, r.Size, r.Link, r.Info, r.EntSize);
        }
    }

    public static ElfFile Load(string path) => new(File.ReadAllBytes(path));

    public byte[] Data => _data;
    public IReadOnlyList<Section> Sections => _sections;

    /// <summary>DT_NEEDED entries of the dynamic section, in order.</summary>
    public IReadOnlyList<string> Needed()
    {
        var result = new List<string>();
        foreach (var s in _sections)
        {
            if (s.Type != ShtDynamic) continue;
            var str = StringTable(s.Link);
            for (ulong p = 0; p + 16 <= s.Size; p += 16)
            {
                long tag = (long)U64((long)(s.Offset + p));
                if (tag == 0) break;
                if (tag == DtNeeded) result.Add(CString(str.Offset, str.Size, U64((long)(s.Offset + p + 8))));
            }
        }
        return result;
    }

    /// <summary>Every version requirement, walking each Verneed's chain of Vernaux entries.</summary>
    public IReadOnlyList<ElfVersionNeed> VersionNeeds()
    {
        var result = new List<ElfVersionNeed>();
        foreach (var s in _sections)
        {
            if (s.Type != ShtGnuVerneed) continue;
            var str = StringTable(s.Link);
            ulong vn = 0;
            // sh_info is the number of Verneed entries; bound the walk by it and by the section size.
            for (uint n = 0; n < Math.Max(s.Info, 1u) && n < 4096; n++)
            {
                if (vn + 16 > s.Size) throw new InvalidDataException("Verneed entry overruns .gnu.version_r");
                long at = (long)(s.Offset + vn);
                ushort cnt = U16(at + 2);
                string file = CString(str.Offset, str.Size, U32(at + 4));
                ulong aux = vn + U32(at + 8);
                for (int k = 0; k < cnt; k++)
                {
                    if (aux + 16 > s.Size) throw new InvalidDataException("Vernaux entry overruns .gnu.version_r");
                    long a = (long)(s.Offset + aux);
                    ushort flags = U16(a + 4), other = U16(a + 6);
                    string name = CString(str.Offset, str.Size, U32(a + 8));
                    result.Add(new ElfVersionNeed(file, name, flags, other, a + 4));
                    uint next = U32(a + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint vnNext = U32(at + 12);
                if (vnNext == 0) break;
                vn += vnNext;
            }
        }
        return result;
    }

    /// <summary>Dynamic symbols whose version index (from <c>.gnu.version</c>) is <paramref name="versionIndex"/>,
    /// each with whether a REL/RELA section against the dynamic symbol table refers to it.</summary>
    public IReadOnlyList<ElfVersionedSymbol> SymbolsOfVersion(ushort versionIndex)
    {
        int dynsym = Array.FindIndex(_sections, s => s.Type == ShtDynsym);
        int versym = Array.FindIndex(_sections, s => s.Type == ShtGnuVersym);
        if (dynsym < 0 || versym < 0) return [];
        var ds = _sections[dynsym];
        var vs = _sections[versym];
        ulong count = ds.Size / 24;
        if (vs.Size / 2 < count) throw new InvalidDataException(".gnu.version is shorter than .dynsym");
        var str = StringTable(ds.Link);
        var wanted = new Dictionary<ulong, string>();
        for (ulong i = 0; i < count; i++)
        {
            ushort v = (ushort)(U16((long)(vs.Offset + i * 2)) & 0x7FFF);
            if (v == versionIndex) wanted[i] = CString(str.Offset, str.Size, U32((long)(ds.Offset + i * 24)));
        }
        var relocated = new HashSet<ulong>();
        foreach (var s in _sections)
        {
            if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsym) continue;
            ulong ent = s.Type == ShtRela ? 24UL : 16UL;
            for (ulong p = 0; p + ent <= s.Size; p += ent)
            {
                ulong sym = U64((long)(s.Offset + p + 8)) >> 32;
                if (wanted.ContainsKey(sym)) relocated.Add(sym);
            }
        }
        return wanted.Select(kv => new ElfVersionedSymbol(kv.Value, versionIndex, relocated.Contains(kv.Key))).ToList();
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on every requirement of <paramref name="version"/> in <paramref name="elf"/> (in place), so
    /// that the dynamic loader only warns when the version is absent instead of refusing to load. Refuses (throws)
    /// when a relocation refers to a symbol of that version: such a symbol would be left unresolved.
    /// Returns how many entries were changed (0 when already weak or not required).
    /// </summary>
    public static int MakeVersionNeedWeak(byte[] elf, string version)
    {
        var f = new ElfFile(elf);
        int changed = 0;
        foreach (var need in f.VersionNeeds())
        {
            if (need.Version != version || need.IsWeak) continue;
            var used = f.SymbolsOfVersion(need.Index).Where(s => s.Relocated).Select(s => s.Name).ToList();
            if (used.Count > 0)
                throw new InvalidOperationException($"{version} is needed by relocated symbols ({string.Join(", ", used)}); weakening it is unsafe");
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan((int)need.FlagsOffset, 2), (ushort)(need.Flags | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    private Section StringTable(uint index)
    {
        if (index >= _sections.Length) throw new InvalidDataException("bad string table link");
        return _sections[index];
    }

    private void Check(ulong offset, ulong size)
    {
        if (offset > (ulong)_data.Length || size > (ulong)_data.Length - offset) throw new InvalidDataException("ELF structure overruns the file");
    }

    private ushort U16(long at) { Check((ulong)at, 2); return BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan((int)at, 2)); }
    private uint U32(long at) { Check((ulong)at, 4); return BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)at, 4)); }
    private ulong U64(long at) { Check((ulong)at, 8); return BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan((int)at, 8)); }

    private string CString(ulong tableOffset, ulong tableSize, ulong index)
    {
        if (index >= tableSize) throw new InvalidDataException("string index outside its table");
        var span = _data.AsSpan((int)(tableOffset + index), (int)(tableSize - index));
        int end = span.IndexOf((byte)0);
        if (end < 0) throw new InvalidDataException("unterminated string");
        return Encoding.UTF8.GetString(span[..end]);
    }
}
