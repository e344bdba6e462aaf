using CompletionLsp.Neural.Native;
using TorchSharp;

namespace CompletionLsp.Neural.Tests;

public class NativeLoadTests
{
    [System.Runtime.InteropServices.UnmanagedFunctionPointer(System.Runtime.InteropServices.CallingConvention.Cdecl)]
    private delegate int IntFunction();

    [Fact]
    public void TheGeneratedMklVendorShimLoadsAndItsFunctionsReturnOne()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"clsp-shim-{Guid.NewGuid():N}");
        try
        {
            var path = MklOnAmd.Write(dir);
            Assert.Equal(path, MklOnAmd.Write(dir)); // written once, then reused
            var h = Dl.Open(path, Dl.RtldNow); // local: this test must not change the process's MKL
            Assert.True(h != IntPtr.Zero, Dl.Error());
            foreach (var name in MklOnAmd.Symbols)
            {
                Assert.True(System.Runtime.InteropServices.NativeLibrary.TryGetExport(h, name, out var f), name);
                Assert.Equal(1, System.Runtime.InteropServices.Marshal.GetDelegateForFunctionPointer<IntFunction>(f)());
            }
            Assert.False(System.Runtime.InteropServices.NativeLibrary.TryGetExport(h, "not_there", out _));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void OnAnAmdProcessorMklIsToldItsVendorIsSupported()
    {
        TorchNative.EnsureLoaded();
        if (MklOnAmd.IsAmd() && Environment.GetEnvironmentVariable("COMPLETION_LSP_MKL_AMD") != "0")
            Assert.StartsWith("MKL vendor shim: loaded", TorchNative.MklStatus);
        else
            Assert.DoesNotContain("loaded", TorchNative.MklStatus);
        // libtorch works either way.
        using var scope = torch.NewDisposeScope(); // no tensor outlives the test (the disposal test counts them)
        var x = torch.ones(4, 4);
        Assert.Equal(16f, x.matmul(x).sum().item<float>() / 4f);
    }

    [Fact]
    public void PatchedCopyHasTheGlibcxxRequirementMarkedWeak()
    {
        TorchNative.EnsureLoaded();
        Assert.True(OperatingSystem.IsLinux(), "these checks are for Linux");
        var original = TorchNative.OriginalLibraryPath;
        Assert.NotNull(original);
        var orig = ElfFile.Load(original!);
        var needs = orig.VersionNeeds().Where(n => n.Version == TorchNative.ProblemVersion).ToList();
        if (needs.Count == 0 || needs.All(n => n.IsWeak))
        {
            Assert.Null(TorchNative.PatchedLibraryPath); // nothing to patch: TorchSharp loads as shipped
            return;
        }
        Assert.Contains(needs, n => n.File == "libstdc++.so.6");
        // The requirement is only for symbols no relocation uses (else weakening it would be unsafe).
        foreach (var n in needs) Assert.All(orig.SymbolsOfVersion(n.Index), s => Assert.False(s.Relocated));

        var patchedPath = TorchNative.PatchedLibraryPath;
        Assert.NotNull(patchedPath);
        var patchedBytes = File.ReadAllBytes(patchedPath!);
        var patched = new ElfFile(patchedBytes);
        var pn = patched.VersionNeeds().Where(n => n.Version == TorchNative.ProblemVersion).ToList();
        Assert.NotEmpty(pn);
        Assert.All(pn, n => Assert.True((n.Flags & ElfFile.VerFlagWeak) != 0));
        // Every other requirement is untouched, and only the flag bytes differ from the original.
        Assert.Equal(orig.VersionNeeds().Where(n => n.Version != TorchNative.ProblemVersion).Select(n => (n.Version, n.Flags)),
            patched.VersionNeeds().Where(n => n.Version != TorchNative.ProblemVersion).Select(n => (n.Version, n.Flags)));
        var origBytes = File.ReadAllBytes(original!);
        Assert.Equal(origBytes.Length, patchedBytes.Length);
        var diffs = Enumerable.Range(0, origBytes.Length).Where(i => origBytes[i] != patchedBytes[i]).ToList();
        Assert.All(diffs, d => Assert.Contains(pn, n => d >= n.FlagsOffset && d < n.FlagsOffset + 2));
        // The original is never modified.
        Assert.Contains(needs, n => !n.IsWeak);
    }

    [Fact]
    public void PatchingTwiceChangesNothingMore()
    {
        TorchNative.EnsureLoaded();
        if (TorchNative.PatchedLibraryPath == null) return;
        var bytes = File.ReadAllBytes(TorchNative.PatchedLibraryPath);
        Assert.Equal(0, ElfFile.MakeVersionNeedWeak(bytes, TorchNative.ProblemVersion));
        var fresh = File.ReadAllBytes(TorchNative.OriginalLibraryPath!);
        Assert.True(ElfFile.MakeVersionNeedWeak(fresh, TorchNative.ProblemVersion) >= 1);
        Assert.Equal(File.ReadAllBytes(TorchNative.PatchedLibraryPath), fresh);
    }

    [Fact]
    public void TheElfReaderRejectsMalformedInput()
    {
        Assert.Throws<InvalidDataException>(() => new ElfFile(new byte[10]));
        Assert.Throws<InvalidDataException>(() => new ElfFile("not an elf file at all, just some text padding it out to 64 bytes....."u8.ToArray()));
        TorchNative.EnsureLoaded();
        var bytes = File.ReadAllBytes(TorchNative.OriginalLibraryPath!);
        // Cut off the section headers: reading them must fail cleanly, not read out of bounds.
        Assert.Throws<InvalidDataException>(() => new ElfFile(bytes.AsSpan(0, bytes.Length / 2).ToArray()).VersionNeeds());
        Assert.Contains("libstdc++.so.6", new ElfFile(bytes).Needed());
    }

    [Fact]
    public void TorchSharpLoadsAndRunsATensorOp()
    {
        TorchNative.EnsureLoaded();
        using var a = torch.ones(2, 3);
        using var b = torch.arange(3, dtype: torch.float32).reshape(3, 1);
        using var c = a.matmul(b);
        Assert.Equal([2L, 1L], c.shape);
        Assert.Equal(3f, c[0, 0].item<float>());
        Assert.Equal(3f, c[1, 0].item<float>());
    }
}
