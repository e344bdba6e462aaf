using System.Diagnostics;
using System.Text;

namespace CompletionLsp.Server.Tests.Harness;

/// <summary>External programs the end-to-end tests drive.</summary>
public static class Tools
{
    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut)
    {
        public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static async Task<Result> Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        IDictionary<string, string>? env = null, int timeoutMs = 180_000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeoutMs);
        bool timedOut = false;
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            timedOut = true;
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        return new Result(p.ExitCode, stdout.ToString(), stderr.ToString(), timedOut);
    }
}

/// <summary>A test that needs an external program: skipped, saying so, when it is not installed.</summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(string tool, string install)
    {
        // scripts/test.sh (and so CI) installs every tool and sets COMPLETION_LSP_REQUIRE_E2E: there the test runs and
        // fails when the tool is missing instead of skipping.
        if (Tools.Find(tool) == null && Environment.GetEnvironmentVariable("COMPLETION_LSP_REQUIRE_E2E") != "1")
            Skip = $"'{tool}' is not installed ({install}); tests/e2e/run.sh installs it";
    }
}
