using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Bench;

public sealed record LspLatencyOptions
{
    /// <summary>The corpus folder (its test-split files are typed in).</summary>
    public required string Corpus { get; init; }
    public string? Model { get; init; }
    /// <summary>completion-lsp.dll (default: next to this assembly).</summary>
    public string? Server { get; init; }
    public int SamplesPerFile { get; init; } = 20;
    public int MaxFiles { get; init; } = int.MaxValue;
    public int Seed { get; init; } = 1;
    public int Warmup { get; init; } = 50;
    public bool Infill { get; init; }
    public bool Semantic { get; init; } = true;
}

/// <summary>Per-keystroke latency of the language server, measured from outside the process as an editor sees it.</summary>
public static class LspLatency
{
    private sealed record Sample(string File, int FileChars, double CompletionMs, double InlineMs, double CompletionServerMs, double InlineServerMs, int Typed);

    private static readonly (string Name, int MaxChars)[] Buckets =
        [("< 10 KB", 10_000), ("10-30 KB", 30_000), ("30-100 KB", 100_000), (">= 100 KB", int.MaxValue)];

    public static Command Command()
    {
        var corpus = new Argument<DirectoryInfo>("corpus-dir") { Description = "a C# repository: its test-split files are opened and typed in" }.AcceptExistingOnly();
        var model = Common.Model();
        var server = Common.Server();
        var perFile = Common.Int("--samples-per-file", 20, "keystroke samples per file (at most one per 20 tokens)", 1);
        var infill = new Option<bool>("--infill") { Description = "blank one token mid-line instead and complete at its place (where a bidirectional model re-ranks)" };
        var maxFiles = new Option<int?>("--max-files") { Description = "open at most this many test-split files (default: all)", HelpName = "N" };
        maxFiles.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--max-files must be at least 1"); });
        var seed = Common.Seed();
        var warmup = Common.Int("--warmup", 50, "samples on the first file that are not counted (JIT)", 0);
        var semantic = new Option<string>("--semantic") { Description = "the semantic model (Roslyn) on or off", DefaultValueFactory = _ => "on" }
            .AcceptOnlyFromAmong("on", "off");
        var command = new Command("lsp-latency", """
            Per-keystroke latency of the real server process (`dotnet completion-lsp.dll serve`), as an editor sees it: opens
            the corpus's test-split files and simulates typing at sampled token positions (the rest of the line deleted, 0-2
            characters of the token typed, one didChange each), then asks for completion and inline completion. Latency:
            request written to response read. Reports percentiles overall and by file size; opening each file (didOpen and
            a first request) is reported on its own.
            """)
        {
            corpus, model, server, perFile, infill, maxFiles, seed, warmup, semantic,
        };
        command.Run(p => RunAsync(new LspLatencyOptions
        {
            Corpus = p.GetValue(corpus)!.FullName, Model = p.GetValue(model)?.FullName, Server = Common.ServerPath(p.GetValue(server)),
            SamplesPerFile = p.GetValue(perFile), MaxFiles = p.GetValue(maxFiles) ?? int.MaxValue, Seed = p.GetValue(seed), Warmup = p.GetValue(warmup),
            Infill = p.GetValue(infill), Semantic = p.GetValue(semantic) == "on",
        }));
        return command;
    }

    public static async Task<int> RunAsync(LspLatencyOptions o)
    {
        string corpus = o.Corpus, server = o.Server ?? Common.ServerPath(null);
        string? model = o.Model;
        int perFile = o.SamplesPerFile, maxFiles = o.MaxFiles, seed = o.Seed, warmup = o.Warmup;
        bool infill = o.Infill, semantic = o.Semantic;

        var split = Trainer.LoadCorpus(corpus, new WalkOptions(), null, CancellationToken.None);
        var files = split.Test.Take(maxFiles).Select(f => (f, Text: RepoWalker.ReadSource(Path.Combine(corpus, f.RelativePath), out _)))
            .Where(x => x.Text != null).Select(x => (x.f, Text: x.Text!)).ToList();
        Console.WriteLine($"corpus       {Path.GetFullPath(corpus)}: {files.Count} test-split files, {files.Sum(f => f.Text.Length) / 1024} KiB");
        Console.WriteLine($"server       {server}{(model != null ? " --model " + model : " (no model)")}");

        await using var lsp = new LspProcess(server, model != null ? ["--model", model] : []);
        var root = Path.GetFullPath(corpus);
        var (init, initMs) = await lsp.Request("initialize", new
        {
            processId = Environment.ProcessId,
            rootUri = new Uri(root).AbsoluteUri,
            capabilities = new { textDocument = new { completion = new { completionItem = new { labelDetailsSupport = true } } } },
            initializationOptions = new { completionLsp = new { semantic = new { enable = semantic } } },
        });
        double ready = Stopwatch.GetElapsedTime(lsp.Started).TotalMilliseconds;
        lsp.Notify("initialized", new { });
        // With tracing on, the server reports each request's own time (queue wait and handler) as $/logTrace.
        lsp.Notify("$/setTrace", new { value = "messages" });
        var serverMs = new System.Collections.Concurrent.ConcurrentQueue<(string Method, double Ms)>();
        lsp.Notified += (method, p) =>
        {
            if (method != "$/logTrace") return;
            var m = p.GetProperty("message").GetString()!;
            int colon = m.LastIndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && double.TryParse(m[(colon + 2)..].Replace(" ms", ""), CultureInfo.InvariantCulture, out double ms)) serverMs.Enqueue((m[..colon], ms));
        };
        double ServerTime(string method)
        {
            for (int i = 0; i < 200; i++)
            {
                while (serverMs.TryDequeue(out var t)) if (t.Method == method) return t.Ms;
                Thread.Sleep(1);
            }
            return double.NaN;
        }
        var status = await lsp.WaitForNotification("completionLsp/status", p => p.GetProperty("state").GetString() != "training", TimeSpan.FromMinutes(2));
        if (model != null && status.GetProperty("state").GetString() != "loaded")
            status = await lsp.WaitForNotification("completionLsp/status", p => p.GetProperty("state").GetString() is "loaded" or "error", TimeSpan.FromMinutes(2));
        double loaded = Stopwatch.GetElapsedTime(lsp.Started).TotalMilliseconds;
        Console.WriteLine($"ready        {ready:F0} ms from process start to the initialize response; model {status.GetProperty("state").GetString()} after {loaded:F0} ms");
        if (model != null)
        {
            // The server's memory once the model is in: at once, and after the collections that follow a load (3 s).
            string atLoad = Rss(lsp.Pid, "VmRSS");
            await Task.Delay(3000);
            Console.WriteLine($"loaded       server RSS {atLoad} MiB when the model was loaded, {Rss(lsp.Pid, "VmRSS")} MiB 3 s later (model file {new FileInfo(model).Length / 1048576.0:F1} MiB)");
        }
        if (semantic)
        {
            // The semantic model loads in the background: when does it answer (measured from process start)?
            // The first file is opened so that its project's compilation warms up, as an editor's first file does.
            if (files.Count > 0)
                lsp.Notify("textDocument/didOpen", new { textDocument = new { uri = new Uri(Path.Combine(root, files[0].f.RelativePath)).AbsoluteUri, languageId = "csharp", version = 1, text = files[0].Text } });
            double semanticReady = double.NaN;
            for (int i = 0; i < 3000; i++)
            {
                var (mi, _) = await lsp.Request("workspace/executeCommand", new { command = "completionLsp.modelInfo" });
                if (mi.GetProperty("result").TryGetProperty("semantic", out var si) && si.ValueKind == JsonValueKind.Object && si.GetProperty("ready").GetBoolean())
                {
                    semanticReady = Stopwatch.GetElapsedTime(lsp.Started).TotalMilliseconds;
                    Console.WriteLine($"semantic     ready {semanticReady:F0} ms after process start ({si.GetProperty("projects").GetInt32()} projects, {si.GetProperty("documents").GetInt32()} files); RSS then {Rss(lsp.Pid, "VmRSS")} MiB");
                    break;
                }
                await Task.Delay(100);
            }
            if (double.IsNaN(semanticReady)) Console.WriteLine("semantic     NOT ready after 5 minutes");
            if (files.Count > 0) lsp.Notify("textDocument/didClose", new { textDocument = new { uri = new Uri(Path.Combine(root, files[0].f.RelativePath)).AbsoluteUri } });
        }

        var rng = new Random(seed);
        var samples = new List<Sample>();
        int semanticLists = 0, lists = 0;
        var opens = new List<double>();
        int version = 1, warm = 0;
        var sw = Stopwatch.StartNew();
        foreach (var (file, original) in files)
        {
            string uri = new Uri(Path.Combine(root, file.RelativePath)).AbsoluteUri;
            lsp.Notify("textDocument/didOpen", new { textDocument = new { uri, languageId = "csharp", version = ++version, text = original } });
            // Opening a file (lexing it whole, building its cache, retiring the previous file into the recent-files
            // cache) is not a keystroke: a first request absorbs it and is reported on its own.
            var (_, openMs) = await lsp.Request("textDocument/completion", new { textDocument = new { uri }, position = new { line = 0, character = 0 } });
            ServerTime("textDocument/completion");
            opens.Add(openMs);
            var tokens = file.Tokens;
            if (tokens.Length == 0) continue;
            int n = Math.Min(perFile, Math.Max(1, tokens.Length / 20));
            // Warm-up samples (JIT) on the first file are not counted.
            for (int s = 0; s < n + (warm < warmup ? warmup : 0); s++)
            {
                bool counted = warm >= warmup;
                if (!counted) warm++;
                var tok = tokens[rng.Next(tokens.Length)];
                int lineEnd = LineEnd(original, tok.Start);
                // --infill: a token with more code after it on its line.
                for (int tries = 0; infill && tok.End >= LineEnd(original, tok.Start) && tries < 100; tries++) tok = tokens[rng.Next(tokens.Length)];
                if (infill && tok.End >= (lineEnd = LineEnd(original, tok.Start))) continue;
                int start = tok.Start;
                string text = original;
                // Inside existing code (--infill): the token alone is blanked (a space in its place), the rest of the line stays.
                if (infill) lineEnd = tok.End;
                // Delete the rest of the line from the token on (with --infill: the token only).
                lsp.Notify("textDocument/didChange", new
                {
                    textDocument = new { uri, version = ++version },
                    contentChanges = new[] { new { range = Range(text, start, lineEnd), text = infill ? " " : "" } },
                });
                text = text.Remove(start, lineEnd - start).Insert(start, infill ? " " : "");
                // Type 0-2 characters of the token, one keystroke each.
                int typed = !infill && tok.Kind is TokenKind.Identifier or TokenKind.Keyword ? rng.Next(0, Math.Min(2, tok.Text.Length) + 1) : 0;
                for (int k = 0; k < typed; k++)
                {
                    lsp.Notify("textDocument/didChange", new
                    {
                        textDocument = new { uri, version = ++version },
                        contentChanges = new[] { new { range = Range(text, start + k, start + k), text = tok.Text[k].ToString() } },
                    });
                    text = text.Insert(start + k, tok.Text[k].ToString());
                }
                int caret = start + typed;
                var position = Position(text, caret);
                var (completion, completionMs) = await lsp.Request("textDocument/completion", new { textDocument = new { uri }, position });
                if (counted)
                {
                    lists++;
                    // Items the semantic model vouched for carry a signature in labelDetails.detail.
                    if (completion.TryGetProperty("result", out var res) && res.ValueKind == JsonValueKind.Object && res.TryGetProperty("items", out var its)
                        && its.EnumerateArray().Any(it => it.TryGetProperty("labelDetails", out var ld) && ld.TryGetProperty("detail", out var dt) && dt.ValueKind == JsonValueKind.String))
                        semanticLists++;
                }
                double completionServer = ServerTime("textDocument/completion");
                var (_, inlineMs) = await lsp.Request("textDocument/inlineCompletion", new
                {
                    textDocument = new { uri }, position, context = new { triggerKind = 2 },
                });
                double inlineServer = ServerTime("textDocument/inlineCompletion");
                if (counted) samples.Add(new Sample(file.RelativePath, original.Length, completionMs, inlineMs, completionServer, inlineServer, typed));
                // Put the line back.
                lsp.Notify("textDocument/didChange", new
                {
                    textDocument = new { uri, version = ++version },
                    contentChanges = new[] { new { range = Range(text, start, infill ? start + 1 : caret), text = original[start..lineEnd] } },
                });
            }
            lsp.Notify("textDocument/didClose", new { textDocument = new { uri } });
        }
        var (info, _) = await lsp.Request("workspace/executeCommand", new { command = "completionLsp.modelInfo" });
        string peak = Rss(lsp.Pid, "VmHWM"), rssEnd = Rss(lsp.Pid, "VmRSS");
        int exit = await lsp.ShutdownAsync();

        Console.WriteLine($"measured     {samples.Count} keystroke samples in {sw.Elapsed.TotalSeconds:F1} s ({warmup} warm-up samples not counted); server exit code {exit}");
        Console.WriteLine($"model        {info.GetProperty("result").GetRawText()}");
        Console.WriteLine($"memory       server peak RSS {peak} MiB, at the end {rssEnd} MiB; semantic items in {semanticLists} of {lists} completion lists");
        Console.WriteLine();
        Console.WriteLine("textDocument/completion (request written -> response read)");
        Cli.Tables.Write(Stats.RowHeaders, new[] { Stats.Row("all files", samples.Select(s => s.CompletionMs)) }
            .Concat(BucketRanges().Select(b => Stats.Row(b.Name, samples.Where(s => s.FileChars >= b.Lo && s.FileChars < b.Hi).Select(s => s.CompletionMs))))
            .Append(Stats.Row("  in the server", samples.Select(s => s.CompletionServerMs).Where(double.IsFinite)))
            .Concat(Enumerable.Range(0, 3).SelectMany(k => new[]
            {
                Stats.Row(k == 0 ? "nothing typed" : $"{k} typed", samples.Where(s => s.Typed == k).Select(s => s.CompletionMs)),
                Stats.Row("  in the server", samples.Where(s => s.Typed == k).Select(s => s.CompletionServerMs).Where(double.IsFinite)),
            })));
        Console.WriteLine("didOpen + a first completion (opening a file, not a keystroke)");
        Cli.Tables.Write(Stats.RowHeaders, [Stats.Row("all files", opens)]);
        Console.WriteLine("textDocument/inlineCompletion, automatic trigger");
        Cli.Tables.Write(Stats.RowHeaders, new[] { Stats.Row("all files", samples.Select(s => s.InlineMs)) }
            .Concat(BucketRanges().Select(b => Stats.Row(b.Name, samples.Where(s => s.FileChars >= b.Lo && s.FileChars < b.Hi).Select(s => s.InlineMs))))
            .Append(Stats.Row("  in the server", samples.Select(s => s.InlineServerMs).Where(double.IsFinite))));
        var c = samples.Select(s => s.CompletionMs).OrderBy(x => x).ToList();
        var il = samples.Select(s => s.InlineMs).OrderBy(x => x).ToList();
        Console.WriteLine();
        Console.WriteLine($"targets      completion p99 {Stats.Percentile(c, 99):F2} ms (target < 10): {(Stats.Percentile(c, 99) < 10 ? "met" : "NOT met")}; " +
                          $"inline p99 {Stats.Percentile(il, 99):F2} ms (target < 50): {(Stats.Percentile(il, 99) < 50 ? "met" : "NOT met")}");
        if (exit != 0) Console.Error.WriteLine(lsp.Stderr.ToString());
        return 0;
    }

    /// <summary>A field of /proc/PID/status in MiB ("?" where it cannot be read).</summary>
    private static string Rss(int pid, string field) =>
        LspProcess.ReadStatusKb(pid, field + ":") is var kb and >= 0 ? (kb / 1024.0).ToString("F0", CultureInfo.InvariantCulture) : "?";

    private static int LineEnd(string text, int from)
    {
        int lineEnd = text.IndexOf('\n', from);
        if (lineEnd < 0) return text.Length;
        return lineEnd > from && text[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
    }

    private static IEnumerable<(string Name, int Lo, int Hi)> BucketRanges()
    {
        int lo = 0;
        foreach (var (name, max) in Buckets)
        {
            yield return (name, lo, max);
            lo = max;
        }
    }

    private static object Position(string text, int offset)
    {
        int line = 0, lineStart = 0;
        for (int i = text.IndexOf('\n'); i >= 0 && i < offset; i = text.IndexOf('\n', i + 1))
        {
            line++;
            lineStart = i + 1;
        }
        return new { line, character = offset - lineStart };
    }

    private static object Range(string text, int start, int end) => new { start = Position(text, start), end = Position(text, end) };
}
