using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Bench;

/// <summary>Per-keystroke latency of the language server, measured from outside the process as an editor sees it.</summary>
public static class LspLatency
{
    private sealed record Sample(string File, int FileChars, double CompletionMs, double InlineMs, double CompletionServerMs, double InlineServerMs);

    private static readonly (string Name, int MaxChars)[] Buckets =
        [("< 10 KB", 10_000), ("10-30 KB", 30_000), ("30-100 KB", 100_000), (">= 100 KB", int.MaxValue)];

    public static async Task<int> RunAsync(string[] argv)
    {
        string? corpus = null, model = null, server = null;
        int perFile = 20, maxFiles = int.MaxValue, seed = 1, warmup = 50;
        bool infill = false, semantic = true;
        for (int i = 0; i < argv.Length; i++)
        {
            string Next() => i + 1 < argv.Length ? argv[++i] : throw new ArgumentException($"{argv[i]} needs a value");
            switch (argv[i])
            {
                case "--model": model = Next(); break;
                case "--server": server = Next(); break;
                case "--samples-per-file": perFile = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--max-files": maxFiles = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--infill": infill = true; break;
                case "--semantic": semantic = Next() switch { "on" => true, "off" => false, var v => throw new ArgumentException($"--semantic is on or off, not {v}") }; break;
                default:
                    if (argv[i].StartsWith('-') || corpus != null) throw new ArgumentException($"unexpected argument '{argv[i]}'");
                    corpus = argv[i];
                    break;
            }
        }
        if (corpus == null || !Directory.Exists(corpus)) throw new ArgumentException("lsp-latency wants a corpus folder");
        server ??= Path.Combine(AppContext.BaseDirectory, "completion-lsp.dll");
        if (!File.Exists(server)) throw new ArgumentException($"no server at {server} (use --server)");

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
                if (counted) samples.Add(new Sample(file.RelativePath, original.Length, completionMs, inlineMs, completionServer, inlineServer));
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
        Console.WriteLine(Stats.Line("all files", samples.Select(s => s.CompletionMs)));
        foreach (var (name, lo, hi) in BucketRanges()) Console.WriteLine(Stats.Line(name, samples.Where(s => s.FileChars >= lo && s.FileChars < hi).Select(s => s.CompletionMs)));
        Console.WriteLine(Stats.Line("  in the server", samples.Select(s => s.CompletionServerMs).Where(double.IsFinite)));
        Console.WriteLine();
        Console.WriteLine("didOpen + a first completion (opening a file, not a keystroke)");
        Console.WriteLine(Stats.Line("all files", opens));
        Console.WriteLine();
        Console.WriteLine("textDocument/inlineCompletion, automatic trigger");
        Console.WriteLine(Stats.Line("all files", samples.Select(s => s.InlineMs)));
        foreach (var (name, lo, hi) in BucketRanges()) Console.WriteLine(Stats.Line(name, samples.Where(s => s.FileChars >= lo && s.FileChars < hi).Select(s => s.InlineMs)));
        Console.WriteLine(Stats.Line("  in the server", samples.Select(s => s.InlineServerMs).Where(double.IsFinite)));
        var c = samples.Select(s => s.CompletionMs).OrderBy(x => x).ToList();
        var il = samples.Select(s => s.InlineMs).OrderBy(x => x).ToList();
        Console.WriteLine();
        Console.WriteLine($"targets      completion p99 {Stats.Percentile(c, 99):F2} ms (target < 10): {(Stats.Percentile(c, 99) < 10 ? "met" : "NOT met")}; " +
                          $"inline p99 {Stats.Percentile(il, 99):F2} ms (target < 50): {(Stats.Percentile(il, 99) < 50 ? "met" : "NOT met")}");
        if (exit != 0) Console.Error.WriteLine(lsp.Stderr.ToString());
        return 0;
    }

    /// <summary>A field of /proc/PID/status in MiB ("?" where it cannot be read).</summary>
    private static string Rss(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return (long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0).ToString("F0", CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return "?";
    }

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
