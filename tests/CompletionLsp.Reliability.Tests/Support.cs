using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Bench;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

// Timings and memory figures are reported by these tests: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace CompletionLsp.Reliability.Tests;

public static class Repo
{
    public static string Root => TestShared.RepoRoot.Path;

    /// <summary>The server: completion-lsp.dll next to the tests, run with `dotnet`.</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "completion-lsp.dll");

    private static readonly Lazy<string> SmallModel = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"clsp-reliability-{Environment.ProcessId}", "small.model");
        Trainer.Train(new TrainOptions { Root = Path.Combine(Root, "src", "CompletionLsp.Core"), AllFiles = true }).Save(path);
        return path;
    });

    /// <summary>A model trained (once per run) on this repository's src/CompletionLsp.Core.</summary>
    public static string SmallModelPath => SmallModel.Value;
}

public sealed class TempDir : IDisposable
{
    public TempDir(string name)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clsp-reliability", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string File(string relative, string text)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, text);
        return full;
    }

    public string Bytes(string relative, byte[] bytes)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, bytes);
        return full;
    }

    public void Dispose()
    {
        try
        {
            // Give back permissions taken away by a test before deleting.
            foreach (var d in Directory.EnumerateDirectories(Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                if (!OperatingSystem.IsWindows() && new DirectoryInfo(d).LinkTarget == null) System.IO.File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

/// <summary>A real `completion-lsp serve` process with the test-only requests enabled, initialized.</summary>
public static class Server
{
    public static LspProcess Start(string? model = null, LspProcessOptions? options = null)
    {
        var env = new Dictionary<string, string>(options?.Environment ?? new Dictionary<string, string>()) { ["COMPLETION_LSP_TEST_METHODS"] = "1" };
        return new LspProcess(Repo.ServerDll, model != null ? ["--model", model] : [], (options ?? new LspProcessOptions()) with { Environment = env });
    }

    public static async Task<JsonElement> Initialize(LspProcess lsp, string? rootUri = null, object? capabilities = null)
    {
        var (r, _) = await lsp.Request("initialize", new
        {
            processId = Environment.ProcessId,
            rootUri,
            capabilities = capabilities ?? new { window = new { workDoneProgress = true } },
        });
        lsp.Notify("initialized", new { });
        return r;
    }

    public static void Open(LspProcess lsp, string uri, string text, int version = 1) =>
        lsp.Notify("textDocument/didOpen", new { textDocument = new { uri, languageId = "csharp", version, text } });

    public static async Task<JsonElement> Complete(LspProcess lsp, string uri, int line, int character) =>
        (await lsp.Request("textDocument/completion", new { textDocument = new { uri }, position = new { line, character } })).Response.GetProperty("result");

    public static async Task<string> TextOf(LspProcess lsp, string uri) =>
        (await lsp.Request("completionLsp/test/documentText", new { uri })).Response.GetProperty("result").GetProperty("text").GetString()!;

    /// <summary>The labels of a completion list.</summary>
    public static List<string> Labels(JsonElement list) => list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("label").GetString()!).ToList();

    /// <summary>Waits until a notification of <paramref name="method"/> matches.</summary>
    public static Task<JsonElement> WaitFor(LspProcess lsp, string method, Func<JsonElement, bool>? match = null, int seconds = 60) =>
        lsp.WaitForNotification(method, match ?? (_ => true), TimeSpan.FromSeconds(seconds));

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs the CLI (completion-lsp.dll) to its end.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Repo.ServerDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException("completion-lsp " + string.Join(' ', args) + " did not finish in 4 minutes"); }
        return (p.ExitCode, await stdout, await stderr);
    }
}
