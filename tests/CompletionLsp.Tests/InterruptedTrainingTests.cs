using System.Diagnostics;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Tests;

/// <summary>Training killed at a random moment (seeded) leaves the previous model intact and loadable.</summary>
public class InterruptedTrainingTests
{
    [Theory]
    [InlineData(11)]
    [InlineData(23)]
    [InlineData(37)]
    public async Task A_killed_train_leaves_the_previous_model_intact(int seed)
    {
        using var dir = new TempDir("killed-train");
        dir.CopySources("repo");
        string repo = dir.Combine("repo");
        string model = dir.Combine("model.bin");
        // The previous model: a small one, trained on part of the tree.
        Assert.Equal(0, await RunCli(["train", Path.Combine(repo, "CompletionLsp.Core", "Syntax"), "--out", model, "--no-tune"], killAfterMs: null));
        var before = await File.ReadAllBytesAsync(model);
        var previous = ModelBundle.Load(model);

        // A full training run, killed somewhere between start-up and writing.
        int delay = 200 + new Random(seed).Next(0, 4000);
        await RunCli(["train", repo, "--out", model], killAfterMs: delay);

        var after = ModelBundle.Load(model); // must load: either the old model or a complete new one
        var now = await File.ReadAllBytesAsync(model);
        if (now.SequenceEqual(before)) Assert.Equal(previous.Vocabulary.StaticCount, after.Vocabulary.StaticCount);
        else Assert.True(after.Info.Files > previous.Info.Files, "a replaced model must be the complete new one");
        // The next successful write removes what the killed writer left behind.
        Assert.Equal(0, await RunCli(["train", Path.Combine(repo, "CompletionLsp.Core", "Models"), "--out", model, "--no-tune"], killAfterMs: null));
        Assert.Equal([model], Directory.GetFiles(dir.Path));
    }

    private static async Task<int> RunCli(string[] args, int? killAfterMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(typeof(CompletionLsp.Cli.Cli).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var drainOut = p.StandardOutput.ReadToEndAsync();
        var drainErr = p.StandardError.ReadToEndAsync();
        if (killAfterMs is int ms)
        {
            var exited = p.WaitForExitAsync();
            if (await Task.WhenAny(exited, Task.Delay(ms)) != exited) p.Kill(entireProcessTree: true);
        }
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        await drainOut; await drainErr;
        return p.ExitCode;
    }
}
