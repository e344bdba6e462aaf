using System.Diagnostics;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Neural.Tests;

/// <summary>The CLI pays for libtorch only when a model file has neural sections: seen from outside, by whether the
/// process prepared the native library (it writes the patched copy into COMPLETION_LSP_CACHE when it does).</summary>
public class StartupTests(TrainedModels m) : IClassFixture<TrainedModels>
{
    private static (int Code, string Output) RunCli(string cache, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "completion-lsp.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COMPLETION_LSP_CACHE"] = cache;
        psi.Environment["XDG_CACHE_HOME"] = cache;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "the CLI did not finish");
        return (p.ExitCode, output.Result + error.Result);
    }

    [Fact]
    public void OnlyModelFilesWithNeuralSectionsLoadLibtorch()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"clsp-start-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var b = m.Bundle;
            var src = Path.Combine(dir, "a.cs");
            File.WriteAllText(src, TinyCorpus.File(5) + "\npublic class Q { public int Count { ");
            int line = File.ReadAllLines(src).Length, col = File.ReadAllLines(src)[^1].Length + 1;

            var plain = Path.Combine(dir, "plain.model");
            new ModelBundle { Vocabulary = b.Vocabulary, NGram = b.NGram, Spacing = b.Spacing }.Save(plain);
            var cache1 = Path.Combine(dir, "cache1");
            var (code1, out1) = RunCli(cache1, "complete", $"{src}:{line}:{col}", "--model", plain);
            Assert.True(code1 == 0, out1);
            Assert.Contains("get", out1);
            Assert.False(Directory.Exists(Path.Combine(cache1, "native")), "an n-gram-only model must not load libtorch");

            var r = m.Results[NeuralKind.Gru];
            var neural = Path.Combine(dir, "neural.model");
            new ModelBundle
            {
                Vocabulary = b.Vocabulary, NGram = b.NGram, Spacing = b.Spacing,
                ExtraSections = new() { [r.Tag] = r.Section }, MixtureWeights = new() { ["ngram"] = 0.5, ["gru"] = 0.5 },
            }.Save(neural);
            var cache2 = Path.Combine(dir, "cache2");
            var (code2, out2) = RunCli(cache2, "complete", $"{src}:{line}:{col}", "--model", neural);
            Assert.True(code2 == 0, out2);
            Assert.Contains("get", out2);
            if (Native.TorchNative.PatchedLibraryPath != null)
                Assert.True(Directory.Exists(Path.Combine(cache2, "native")), "the neural model prepared libtorch");
        }
        finally { Directory.Delete(dir, true); }
    }
}
