using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace CompletionLsp.Neural.Native;

/// <summary>
/// libtorch's CPU build links Intel's oneMKL, which picks its matrix kernels by CPU vendor: on AMD processors it
/// takes a generic path even where the AVX2/FMA kernels run fine (measured here, an AMD EPYC: the LSTM's decoder
/// GEMMs run about twice as fast on the AVX2 path; training 1.2x). MKL asks <c>mkl_serv_intel_cpu_true()</c>, an
/// exported function that libtorch calls through its PLT, so a library loaded into the global symbol scope before
/// libtorch that defines it as <c>return 1</c> takes precedence (the well-known LD_PRELOAD workaround, done from
/// inside the process). The instruction-set checks of MKL still run: only the vendor test is answered.
/// <para>
/// The library is tiny and generated here (an ELF64 shared object with two exported functions, no relocations),
/// so nothing binary is shipped and no compiler is needed; it is written once into the cache folder.
/// COMPLETION_LSP_MKL_AMD=0 turns this off.
/// </para>
/// </summary>
internal static class MklOnAmd
{
    public const string FileName = "libcompletionlsp-mkl-amd.so";
    public static readonly string[] Symbols = ["mkl_serv_intel_cpu_true", "mkl_serv_intel_cpu"];
    private const int Format = 1;

    /// <summary>Loads the shim when this is an AMD x86-64 Linux machine; returns what was done (for diagnostics).</summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return "MKL vendor shim: not x86-64 Linux";
        if (Environment.GetEnvironmentVariable("COMPLETION_LSP_MKL_AMD") == "0") return "MKL vendor shim: off (COMPLETION_LSP_MKL_AMD=0)";
        if (!IsAmd()) return "MKL vendor shim: not an AMD processor";
        string? path = null;
        foreach (var root in TorchNative.CacheRoots())
        {
            try { path = Write(Path.Combine(root, "native", $"mkl-amd-v{Format}")); break; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* next folder */ }
        }
        if (path == null) return "MKL vendor shim: no writable cache folder";
        var h = Dl.Open(path, Dl.RtldNow | Dl.RtldGlobal);
        return h == IntPtr.Zero ? $"MKL vendor shim: could not load {path}: {Dl.Error()}" : $"MKL vendor shim: loaded {path} (AMD processor)";
    }

    internal static bool IsAmd()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("vendor_id", StringComparison.Ordinal)) return line.Contains("AuthenticAMD", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return false;
    }

    /// <summary>Writes the shim into <paramref name="dir"/> (atomically, once) and returns its path.</summary>
    internal static string Write(string dir)
    {
        var target = Path.Combine(dir, FileName);
        var bytes = Build(Symbols, FileName);
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(bytes)) return target;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, target, overwrite: true);
        return target;
    }

    /// <summary>
    /// An ELF64 x86-64 shared object whose exported functions <paramref name="symbols"/> all <c>return 1</c>.
    /// Layout: header, program headers (text PT_LOAD, data PT_LOAD, PT_DYNAMIC, PT_GNU_STACK), DT_HASH, .dynsym,
    /// .dynstr and code in the first page (read + execute), .dynamic in the second (read + write).
    /// </summary>
    internal static byte[] Build(IReadOnlyList<string> symbols, string soname)
    {
        const int ehSize = 64, phSize = 56, phCount = 4, symSize = 24, dynEntry = 16, page = 0x1000;
        int nsyms = symbols.Count + 1;
        // .dynstr: "\0" name\0 ... soname\0
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var nameOffsets = new int[symbols.Count];
        for (int i = 0; i < symbols.Count; i++) { nameOffsets[i] = (int)strtab.Length; strtab.Write(Encoding.ASCII.GetBytes(symbols[i] + "\0")); }
        int sonameOffset = (int)strtab.Length;
        strtab.Write(Encoding.ASCII.GetBytes(soname + "\0"));
        var str = strtab.ToArray();

        int hashOff = ehSize + phSize * phCount;
        int hashSize = 4 * (2 + 1 + nsyms);
        int symOff = Align(hashOff + hashSize, 8);
        int strOff = symOff + symSize * nsyms;
        int codeOff = Align(strOff + str.Length, 16);
        byte[] code = [0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3]; // mov eax, 1; ret
        int textEnd = codeOff + code.Length;
        int dynOff = page;
        const int dynCount = 7;
        int dynSize = dynEntry * dynCount;
        var f = new byte[dynOff + dynSize];

        // ELF header
        f[0] = 0x7F; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F';
        f[4] = 2; /* 64-bit */ f[5] = 1; /* little endian */ f[6] = 1; /* version */
        U16(f, 16, 3);             // e_type: ET_DYN
        U16(f, 18, 62);            // e_machine: EM_X86_64
        U32(f, 20, 1);             // e_version
        U64(f, 24, 0);             // e_entry
        U64(f, 32, ehSize);        // e_phoff
        U64(f, 40, 0);             // e_shoff: no section headers
        U32(f, 48, 0);             // e_flags
        U16(f, 52, ehSize); U16(f, 54, phSize); U16(f, 56, phCount);
        U16(f, 58, 64); U16(f, 60, 0); U16(f, 62, 0); // e_shentsize, e_shnum, e_shstrndx

        void Phdr(int i, uint type, uint flags, long off, long size, long align)
        {
            int p = ehSize + i * phSize;
            U32(f, p, type); U32(f, p + 4, flags);
            U64(f, p + 8, off); U64(f, p + 16, off); U64(f, p + 24, off); // offset, vaddr, paddr
            U64(f, p + 32, size); U64(f, p + 40, size); U64(f, p + 48, align);
        }
        const uint PF_X = 1, PF_W = 2, PF_R = 4;
        Phdr(0, 1, PF_R | PF_X, 0, textEnd, page);             // PT_LOAD text
        Phdr(1, 1, PF_R | PF_W, dynOff, dynSize, page);        // PT_LOAD data
        Phdr(2, 2, PF_R | PF_W, dynOff, dynSize, 8);           // PT_DYNAMIC
        Phdr(3, 0x6474E551, PF_R | PF_W, 0, 0, 16);            // PT_GNU_STACK: no executable stack

        // DT_HASH: one bucket holding every symbol in a chain 1 -> 2 -> ... -> 0.
        U32(f, hashOff, 1); U32(f, hashOff + 4, (uint)nsyms);
        U32(f, hashOff + 8, nsyms > 1 ? 1u : 0u);
        for (int i = 0; i < nsyms; i++) U32(f, hashOff + 12 + 4 * i, i >= 1 && i + 1 < nsyms ? (uint)(i + 1) : 0u);

        // .dynsym: null symbol, then global functions at the code.
        for (int i = 0; i < symbols.Count; i++)
        {
            int p = symOff + symSize * (i + 1);
            U32(f, p, (uint)nameOffsets[i]);
            f[p + 4] = 0x12;                 // STB_GLOBAL, STT_FUNC
            f[p + 5] = 0;                    // STV_DEFAULT
            U16(f, p + 6, 1);                // a defined symbol (any section index but SHN_UNDEF/SHN_ABS)
            U64(f, p + 8, codeOff);
            U64(f, p + 16, code.Length);
        }
        str.CopyTo(f.AsSpan(strOff));
        code.CopyTo(f.AsSpan(codeOff));

        // .dynamic
        int d = dynOff;
        void Dyn(long tag, long val) { U64(f, d, tag); U64(f, d + 8, val); d += dynEntry; }
        Dyn(4, hashOff);          // DT_HASH
        Dyn(5, strOff);           // DT_STRTAB
        Dyn(6, symOff);           // DT_SYMTAB
        Dyn(10, str.Length);      // DT_STRSZ
        Dyn(11, symSize);         // DT_SYMENT
        Dyn(14, sonameOffset);    // DT_SONAME
        Dyn(0, 0);                // DT_NULL
        return f;
    }

    private static int Align(int v, int a) => (v + a - 1) / a * a;
    private static void U16(Span<byte> s, int at, int v) => BinaryPrimitives.WriteUInt16LittleEndian(s[at..], (ushort)v);
    private static void U32(Span<byte> s, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(s[at..], v);
    private static void U64(Span<byte> s, int at, long v) => BinaryPrimitives.WriteInt64LittleEndian(s[at..], v);
}

/// <summary>dlopen from glibc, for RTLD_GLOBAL (NativeLibrary.Load opens libraries locally); libdl.so.2 exists on
/// old and new glibc alike.</summary>
internal static class Dl
{
    public const int RtldNow = 2, RtldGlobal = 0x100;

    [DllImport("libdl.so.2", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport("libdl.so.2", EntryPoint = "dlerror")]
    private static extern IntPtr DlError();

    public static IntPtr Open(string path, int mode) => DlOpen(path, mode);
    public static string Error() => Marshal.PtrToStringUTF8(DlError()) ?? "";
}
