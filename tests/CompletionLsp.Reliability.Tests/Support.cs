using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Bench;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

// Timings and memory figures are reported by these tests: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace CompletionLsp.Reliability.Tests;

/// <summary>A real `completion-lsp serve` process with the test-only requests enabled, initialized.</summary>
public static class Server
{
    public static LspProcess Start(string? model = null, LspProcessOptions? options = null)
    {
        var env = new Dictionary<string, string>(options?.Environment ?? new Dictionary<string, string>()) { ["COMPLETION_LSP_TEST_METHODS"] = "1" };
        return new LspProcess(Repo.CompletionLspDll, model != null ? ["--model", model] : [], (options ?? new LspProcessOptions()) with { Environment = env });
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
        psi.ArgumentList.Add(Repo.CompletionLspDll);
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
