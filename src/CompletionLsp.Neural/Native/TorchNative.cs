using System.Reflection;
using System.Runtime.InteropServices;

namespace CompletionLsp.Neural.Native;

/// <summary>
/// Makes TorchSharp's native library load on systems whose libstdc++ is older than the one it was linked against.
/// <para>
/// TorchSharp-cpu 0.107.0's libLibTorchSharp.so requires GLIBCXX_3.4.32 from libstdc++ (GCC 13), but only for a
/// reference to <c>std::ios_base_library_init</c> that no relocation uses; Debian 12 ships GLIBCXX_3.4.30, and the
/// loader refuses the whole library. Before TorchSharp's first use, this class copies the library into a cache
/// folder with that version requirement marked weak (VER_FLG_WEAK in <c>.gnu.version_r</c>; see
/// <see cref="ElfFile.MakeVersionNeedWeak"/>), loads libtorch's own libraries from the original folder, loads the
/// patched copy, and answers TorchSharp's <c>[DllImport("LibTorchSharp")]</c> with it through a DllImport resolver.
/// The installed files are never modified. Where no patch is needed (another OS, a fixed TorchSharp), nothing is done.
/// </para>
/// Environment: COMPLETION_LSP_NATIVE_PATCH=0 turns the patch off; COMPLETION_LSP_CACHE sets the cache folder.
/// </summary>
public static class TorchNative
{
    public const string LibraryFileName = "libLibTorchSharp.so";
    public const string ProblemVersion = "GLIBCXX_3.4.32";
    private const int PatchFormat = 1;

    private static readonly object Gate = new();
    private static bool _done;
    private static IntPtr _handle;

    /// <summary>The library TorchSharp ships (found beside the application or in its native search folders).</summary>
    public static string? OriginalLibraryPath { get; private set; }
    /// <summary>The patched copy that was loaded, or null when none was needed.</summary>
    public static string? PatchedLibraryPath { get; private set; }
    /// <summary>What was done, for diagnostics (`info`, errors).</summary>
    public static string Status { get; private set; } = "not prepared";
    /// <summary>Whether MKL was told it runs on an Intel-compatible processor (AMD only; see <see cref="MklOnAmd"/>).</summary>
    public static string MklStatus { get; private set; } = "not prepared";

    /// <summary>Prepares the native library; idempotent and thread-safe. Call before any TorchSharp API.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            try { Prepare(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or DllNotFoundException or BadImageFormatException)
            {
                // Leave TorchSharp to its own loading; its error then says what is missing.
                Status = "native patch failed: " + e.Message;
            }
        }
    }

    private static void Prepare()
    {
        if (!OperatingSystem.IsLinux()) { Status = "no patch needed on this OS"; return; }
        // Before libtorch is loaded, so that its MKL binds to the shim.
        try { MklStatus = MklOnAmd.Apply(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException) { MklStatus = "MKL vendor shim failed: " + e.Message; }
        if (Environment.GetEnvironmentVariable("COMPLETION_LSP_NATIVE_PATCH") == "0") { Status = "patch disabled by COMPLETION_LSP_NATIVE_PATCH=0"; return; }
        var original = FindOriginal();
        if (original == null) { Status = $"{LibraryFileName} not found"; return; }
        OriginalLibraryPath = original;
        var bytes = File.ReadAllBytes(original);
        var elf = new ElfFile(bytes);
        if (!elf.VersionNeeds().Any(n => n.Version == ProblemVersion && !n.IsWeak)) { Status = "no patch needed"; return; }

        var patched = PatchedCopy(original, bytes);
        // The copy's RUNPATH ($ORIGIN) no longer finds libtorch: load its dependencies from the original folder
        // first, so that the loader matches them by soname.
        var dir = Path.GetDirectoryName(original)!;
        foreach (var needed in elf.Needed())
        {
            var p = Path.Combine(dir, needed);
            if (File.Exists(p)) NativeLibrary.Load(p);
        }
        _handle = NativeLibrary.Load(patched);
        PatchedLibraryPath = patched;
        NativeLibrary.SetDllImportResolver(TorchSharpAssembly(), Resolve);
        Status = $"loaded patched copy {patched} ({ProblemVersion} requirement made weak)";
    }

    private static Assembly TorchSharpAssembly() => typeof(TorchSharp.torch).Assembly;

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or LibraryFileName ? _handle : IntPtr.Zero;

    /// <summary>Writes (once per library content) the patched copy into the cache and returns its path.</summary>
    internal static string PatchedCopy(string original, byte[] bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in bytes) { hash ^= b; hash *= 1099511628211UL; }
        string key = $"{hash:x16}-p{PatchFormat}";
        foreach (var root in CacheRoots())
        {
            try
            {
                var dir = Path.Combine(root, "native", key);
                var target = Path.Combine(dir, LibraryFileName);
                if (File.Exists(target) && IsPatched(target)) return target;
                Directory.CreateDirectory(dir);
                var copy = (byte[])bytes.Clone();
                ElfFile.MakeVersionNeedWeak(copy, ProblemVersion);
                var tmp = Path.Combine(dir, $".{LibraryFileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                File.WriteAllBytes(tmp, copy);
                File.Move(tmp, target, overwrite: true); // atomic: a concurrent process sees the old or the new file
                return target;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* try the next folder */ }
        }
        throw new IOException($"no writable cache folder for the patched {LibraryFileName} (set COMPLETION_LSP_CACHE)");
    }

    internal static bool IsPatched(string path)
    {
        try { return ElfFile.Load(path).VersionNeeds().Where(n => n.Version == ProblemVersion).All(n => n.IsWeak); }
        catch (Exception e) when (e is IOException or InvalidDataException) { return false; }
    }

    internal static IEnumerable<string> CacheRoots()
    {
        if (Environment.GetEnvironmentVariable("COMPLETION_LSP_CACHE") is { Length: > 0 } c) yield return c;
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x) yield return Path.Combine(x, "completion-lsp");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) yield return Path.Combine(home, ".cache", "completion-lsp");
        yield return Path.Combine(Path.GetTempPath(), $"completion-lsp-{Environment.UserName}");
    }

    /// <summary>Where the host would look for native libraries: its probing folders, the app folder, the RID folder.</summary>
    internal static string? FindOriginal()
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string s)
            dirs.AddRange(s.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var bases = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(TorchSharpAssembly().Location) ?? "" };
        foreach (var b in bases.Where(b => b.Length > 0))
        {
            dirs.Add(b);
            dirs.Add(Path.Combine(b, "runtimes", "linux-x64", "native"));
        }
        foreach (var d in dirs)
        {
            var p = Path.Combine(d, LibraryFileName);
            if (File.Exists(p)) return Path.GetFullPath(p);
        }
        return null;
    }
}
