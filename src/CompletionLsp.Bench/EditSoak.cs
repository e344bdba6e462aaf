using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CompletionLsp.Bench;

public sealed record EditSoakOptions
{
    public int Edits { get; init; } = 100_000;
    public int Seed { get; init; } = 1;
    /// <summary>completion-lsp.dll (default: next to this assembly).</summary>
    public string? Server { get; init; }
    public string? Model { get; init; }
    /// <summary>The text the document starts from (default: <see cref="EditSoak.DefaultText"/>).</summary>
    public string? InitialText { get; init; }
    /// <summary>A completion request every this many edits (0: none).</summary>
    public int CompleteEvery { get; init; } = 4;
    /// <summary>An inline completion request every this many edits (0: none).</summary>
    public int InlineEvery { get; init; } = 9;
    /// <summary>Requests in flight at most (edits and checks are pipelined; the server keeps their order).</summary>
    public int Window { get; init; } = 16;
    /// <summary>RSS is sampled every this many edits.</summary>
    public int RssEvery { get; init; } = 500;
    /// <summary>Progress lines (null: none).</summary>
    public TextWriter? Log { get; init; }
}

public sealed record EditSoakResult
{
    public int Edits { get; init; }
    public int ChangeNotifications { get; init; }
    public int TextChecks { get; init; }
    public int Completions { get; init; }
    public int InlineCompletions { get; init; }
    /// <summary>Requests answered (text checks, completions, inline completions), errors included.</summary>
    public int RequestsAnswered { get; init; }
    public int Desyncs { get; init; }
    public required SortedDictionary<int, int> ErrorsByCode { get; init; }
    public int Errors => ErrorsByCode.Values.Sum();
    /// <summary>1 if the server process died before the end.</summary>
    public int Crashes { get; init; }
    public int ExitCode { get; init; }
    public int ProtocolViolations { get; init; }
    /// <summary>RSS after the warm-up (the first tenth of the edits, at least 500), at the end, and the highest sample.</summary>
    public long RssStartKb { get; init; }
    public long RssEndKb { get; init; }
    public long RssMaxKb { get; init; }
    public long RssOpenKb { get; init; }
    public long PeakRssKb { get; init; }
    /// <summary>The managed heap after a full collection (completionLsp/test/memory), after the warm-up and at the end.</summary>
    public long HeapStartBytes { get; init; }
    public long HeapEndBytes { get; init; }
    /// <summary>Vocabulary size (trained words plus words added while editing) after the warm-up and at the end.</summary>
    public int VocabularyStart { get; init; }
    public int VocabularyEnd { get; init; }
    public required List<(int Edit, long Kb)> RssSamples { get; init; }
    public int FinalLength { get; init; }
    public double Seconds { get; init; }
    public double EditsPerSecond => Seconds > 0 ? Edits / Seconds : 0;
    public required List<string> Problems { get; init; }

    public string Summary() => string.Join('\n',
    [
        $"edits            {Edits:N0} ({ChangeNotifications:N0} didChange notifications) in {Seconds:F1} s: {EditsPerSecond:N0} edits/s",
        $"requests         {RequestsAnswered:N0} answered: {TextChecks:N0} text checks, {Completions:N0} completions, {InlineCompletions:N0} inline completions",
        $"desyncs          {Desyncs}",
        $"errors           {Errors}{(Errors > 0 ? " (" + string.Join(", ", ErrorsByCode.Select(kv => $"{kv.Key}: {kv.Value}")) + ")" : "")}",
        $"crashes          {Crashes} (exit code {ExitCode}), protocol violations {ProtocolViolations}",
        $"memory (RSS)     after open {RssOpenKb / 1024.0:F1} MiB, after warm-up {RssStartKb / 1024.0:F1} MiB, end {RssEndKb / 1024.0:F1} MiB, highest sample {RssMaxKb / 1024.0:F1} MiB, peak {PeakRssKb / 1024.0:F1} MiB",
        $"managed heap     after warm-up {HeapStartBytes / 1048576.0:F1} MiB, end {HeapEndBytes / 1048576.0:F1} MiB (after a full collection); vocabulary {VocabularyStart:N0} -> {VocabularyEnd:N0} words",
        $"document         {FinalLength:N0} characters at the end",
    ]);
}

/// <summary>
/// An edit soak against the real server process: a long, seeded random sequence of incremental didChange edits
/// (typing, backspace, deletions, replacements, multi-line, at the start and end of the document and of lines,
/// inside strings, comments and interpolations, several changes per notification), with completion and inline
/// completion requests in between. After every edit the server's text (the test-only request
/// completionLsp/test/documentText) is compared with a reference that applies the same LSP edits independently.
/// The server process's RSS is sampled from /proc/&lt;pid&gt;/status.
/// </summary>
public static class EditSoak
{
    public const string Uri = "file:///soak/Soak.cs";

    public static async Task<EditSoakResult> RunAsync(EditSoakOptions o)
    {
        var server = o.Server ?? Common.ServerPath(null);
        if (!File.Exists(server)) throw new ArgumentException($"no server at {server}");
        var rng = new Random(o.Seed);
        var doc = new ReferenceDocument(o.InitialText ?? DefaultText);
        int initialLength = doc.Text.Length;
        var problems = new List<string>();
        var errors = new SortedDictionary<int, int>();
        var rss = new List<(int, long)>();
        int version = 1, checks = 0, completions = 0, inlines = 0, answered = 0, desyncs = 0, notifications = 0;
        var sw = Stopwatch.StartNew();

        await using var lsp = new LspProcess(server, o.Model != null ? ["--model", o.Model] : [],
            new LspProcessOptions { Environment = new Dictionary<string, string> { ["COMPLETION_LSP_TEST_METHODS"] = "1" } });
        await lsp.Request("initialize", new
        {
            processId = Environment.ProcessId,
            capabilities = new { textDocument = new { completion = new { completionItem = new { labelDetailsSupport = true } } } },
        });
        lsp.Notify("initialized", new { });
        if (o.Model != null)
            await lsp.WaitForNotification("completionLsp/status", p => p.GetProperty("state").GetString() is "loaded" or "error", TimeSpan.FromMinutes(2));
        lsp.Notify("textDocument/didOpen", new { textDocument = new { uri = Uri, languageId = "csharp", version, text = doc.Text } });
        await lsp.Request("completionLsp/test/documentText", new { uri = Uri });
        // The semantic model compiles once in the background: memory is measured from when it is ready (its one-time
        // cost is not growth).
        for (int i = 0; i < 600; i++)
        {
            var info = await lsp.Request("workspace/executeCommand", new { command = "completionLsp.modelInfo" });
            if (!info.Response.TryGetProperty("result", out var res) || !res.TryGetProperty("semantic", out var sem) || sem.ValueKind != JsonValueKind.Object
                || sem.GetProperty("ready").GetBoolean()) break;
            await Task.Delay(100);
        }
        long rssOpen = lsp.RssKb();

        // Pipelined: each edit is followed by a text check, and now and then a completion; at most Window in flight.
        var inFlight = new Queue<Task>();
        void Error(int code, string what)
        {
            lock (errors) errors[code] = errors.GetValueOrDefault(code) + 1;
            lock (problems) if (problems.Count < 20) problems.Add(what);
        }
        async Task Check(Task<(JsonElement Message, long At)> answer, string expected, int expectedVersion, int edit, string op)
        {
            var (m, _) = await answer.WaitAsync(TimeSpan.FromMinutes(2));
            Interlocked.Increment(ref answered);
            if (m.TryGetProperty("error", out var e)) { Error(e.GetProperty("code").GetInt32(), $"edit {edit}: documentText: {e}"); return; }
            var r = m.GetProperty("result");
            string got = r.GetProperty("text").GetString()!;
            int v = r.GetProperty("version").GetInt32();
            if (got != expected || v != expectedVersion)
            {
                Interlocked.Increment(ref desyncs);
                int at = 0;
                while (at < got.Length && at < expected.Length && got[at] == expected[at]) at++;
                lock (problems) if (problems.Count < 20)
                    problems.Add($"edit {edit} ({op}): desync at offset {at} (version {v}, expected {expectedVersion}): server {Show(got, at)} vs reference {Show(expected, at)}");
            }
        }
        async Task Answered(Task<(JsonElement Message, long At)> answer, string method, int edit, (int Line, int Character) caret)
        {
            var (m, _) = await answer.WaitAsync(TimeSpan.FromMinutes(2));
            Interlocked.Increment(ref answered);
            if (m.TryGetProperty("error", out var e)) { Error(e.GetProperty("code").GetInt32(), $"edit {edit}: {method}: {e}"); return; }
            if (method == "textDocument/completion")
            {
                foreach (var item in m.GetProperty("result").GetProperty("items").EnumerateArray())
                {
                    var end = item.GetProperty("textEdit").GetProperty("range").GetProperty("end");
                    if (end.GetProperty("line").GetInt32() != caret.Line || end.GetProperty("character").GetInt32() != caret.Character)
                    {
                        Error(0, $"edit {edit}: a completion item's range does not end at the caret: {item}");
                        break;
                    }
                }
            }
        }
        Task<(JsonElement, long)> Send(string method, object @params)
        {
            int id = lsp.NextId();
            var t = lsp.Expect("n:" + id);
            lsp.WriteRaw(LspProcess.Frame(JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params })));
            return t;
        }
        async Task Throttle()
        {
            while (inFlight.Count > o.Window) await inFlight.Dequeue();
        }

        long rssStart = -1;
        (long Heap, int Vocabulary) heapStart = (-1, -1), heapEnd = (-1, -1);
        async Task<(long, int)> Heap()
        {
            var m = await lsp.RequestMessage("completionLsp/test/memory", null);
            if (!m.TryGetProperty("result", out var r)) return (-1, -1);
            return (r.GetProperty("managedBytes").GetInt64(), r.GetProperty("vocabulary").GetInt32());
        }
        int warmup = Math.Max(Math.Min(500, o.Edits), o.Edits / 10);
        var gen = new EditGenerator(rng, initialLength);
        for (int edit = 1; edit <= o.Edits; edit++)
        {
            if (lsp.HasExited) break;
            var (changes, op) = gen.Next(doc);
            version++;
            lsp.Notify("textDocument/didChange", new { textDocument = new { uri = Uri, version }, contentChanges = changes });
            notifications++;
            inFlight.Enqueue(Check(Send("completionLsp/test/documentText", new { uri = Uri }), doc.Text, version, edit, op));
            checks++;
            var caret = doc.PositionOf(EditGenerator.Snap(doc.Text, gen.Caret));
            var position = new { line = caret.Line, character = caret.Character };
            if (o.CompleteEvery > 0 && edit % o.CompleteEvery == 0)
            {
                inFlight.Enqueue(Answered(Send("textDocument/completion", new { textDocument = new { uri = Uri }, position }), "textDocument/completion", edit, caret));
                completions++;
            }
            if (o.InlineEvery > 0 && edit % o.InlineEvery == 0)
            {
                inFlight.Enqueue(Answered(Send("textDocument/inlineCompletion", new { textDocument = new { uri = Uri }, position, context = new { triggerKind = 2 } }),
                    "textDocument/inlineCompletion", edit, caret));
                inlines++;
            }
            await Throttle();
            if (desyncs > 0 && edit % 64 == 0)
            {
                // After a desync, put the server back on the reference text so that later edits are still checked.
                lsp.Notify("textDocument/didChange", new { textDocument = new { uri = Uri, version = ++version }, contentChanges = new[] { new { text = doc.Text } } });
            }
            if (edit % o.RssEvery == 0 || edit == warmup)
            {
                while (inFlight.Count > 0) await inFlight.Dequeue();
                long kb = lsp.RssKb();
                rss.Add((edit, kb));
                if (edit == warmup) { rssStart = kb; heapStart = await Heap(); }
                if (edit % (o.RssEvery * 10) == 0)
                    o.Log?.WriteLine($"  {edit,8:N0} edits, {sw.Elapsed.TotalSeconds,6:F1} s, RSS {kb / 1024.0:F1} MiB, desyncs {desyncs}, errors {errors.Values.Sum()}, document {doc.Text.Length:N0} chars");
            }
        }
        try { while (inFlight.Count > 0) await inFlight.Dequeue(); }
        catch (Exception e) when (e is EndOfStreamException or TimeoutException) { problems.Add("the server stopped answering: " + e.Message); }
        double seconds = sw.Elapsed.TotalSeconds;
        bool alive = !lsp.HasExited;
        long rssEnd = alive ? lsp.RssKb() : -1, peak = alive ? lsp.PeakRssKb() : -1;
        if (alive) heapEnd = await Heap();
        rss.Add((o.Edits, rssEnd));
        int exitCode = -1;
        if (alive)
        {
            try { exitCode = await lsp.ShutdownAsync(); }
            catch (Exception e) { problems.Add("shutdown failed: " + e.Message); }
        }
        else
        {
            exitCode = lsp.ExitCode;
            problems.Add($"the server process died (exit code {exitCode}); stderr:\n{lsp.Stderr}");
        }
        foreach (var v in lsp.ProtocolViolations) problems.Add("protocol violation: " + v);
        foreach (var u in lsp.UnexpectedResponses) problems.Add("unexpected response: " + u.GetRawText());
        return new EditSoakResult
        {
            Edits = o.Edits, ChangeNotifications = notifications, TextChecks = checks, Completions = completions, InlineCompletions = inlines,
            RequestsAnswered = answered, Desyncs = desyncs, ErrorsByCode = errors, Crashes = alive ? 0 : 1, ExitCode = exitCode,
            ProtocolViolations = lsp.ProtocolViolations.Count,
            RssOpenKb = rssOpen, RssStartKb = rssStart, RssEndKb = rssEnd, RssMaxKb = rss.Max(r => r.Item2), PeakRssKb = peak, RssSamples = rss,
            HeapStartBytes = heapStart.Heap, HeapEndBytes = heapEnd.Heap, VocabularyStart = heapStart.Vocabulary, VocabularyEnd = heapEnd.Vocabulary,
            FinalLength = doc.Text.Length, Seconds = seconds, Problems = problems,
        };
    }

    private static string Show(string s, int at) =>
        JsonSerializer.Serialize(s.Substring(Math.Max(0, at - 20), Math.Min(s.Length, at + 20) - Math.Max(0, at - 20)));

    public static Command Command()
    {
        var edits = Common.Int("--edits", 100_000, "incremental edits to send", 1);
        var seed = Common.Seed();
        var model = Common.Model();
        var server = Common.Server();
        var file = new Option<FileInfo>("--file") { Description = "the text the document starts from (default: a built-in sample with strings, comments and interpolations)", HelpName = "FILE" }
            .AcceptExistingOnly();
        var command = new Command("edit-soak", """
            An edit soak of the real server process: a long seeded sequence of incremental edits (typing, deletions,
            replacements, multi-line, at the edges, inside strings, comments and interpolations) with completion and inline
            completion requests in between; after every edit the server's text is compared with a reference. Reports
            requests served, desyncs, errors by code, crashes, RSS at start and end, and edits/s. Exit code 0 only with no
            desync, error or crash.
            """)
        {
            edits, seed, model, server, file,
        };
        command.Run(async p =>
        {
            int n = p.GetValue(edits), s = p.GetValue(seed);
            string? m = p.GetValue(model)?.FullName, f = p.GetValue(file)?.FullName;
            string dll = Common.ServerPath(p.GetValue(server));
            Console.WriteLine($"edit-soak: {n:N0} edits, seed {s}{(m != null ? ", model " + m : ", no model")}{(f != null ? ", from " + f : "")}");
            var r = await RunAsync(new EditSoakOptions
            {
                Edits = n, Seed = s, Server = dll, Model = m, InitialText = f != null ? File.ReadAllText(f) : null, Log = Console.Out,
            });
            Console.WriteLine(r.Summary());
            foreach (var problem in r.Problems.Take(20)) Console.WriteLine("  " + problem);
            return r.Crashes == 0 && r.Desyncs == 0 && r.Errors == 0 && r.ProtocolViolations == 0 ? 0 : 1;
        });
        return command;
    }

    public const string DefaultText = """"
        using System;
        using System.Collections.Generic;
        using System.Linq;

        namespace Soak.Sample
        {
            /// <summary>A sample with strings, comments, interpolations and verbatim strings to edit.</summary>
            public sealed class Inventory
            {
                private readonly Dictionary<string, int> _counts = new Dictionary<string, int>();
                private const string Header = "name,count"; // the CSV header

                public int Total => _counts.Values.Sum();

                public void Add(string name, int count = 1)
                {
                    if (string.IsNullOrEmpty(name)) throw new ArgumentException("a name is needed", nameof(name));
                    /* keep a running count */
                    _counts[name] = _counts.TryGetValue(name, out var n) ? n + count : count;
                    Console.WriteLine($"added {count} of {name}, now {_counts[name]} ({Total} in all)");
                }

                public string ToCsv()
                {
                    var lines = new List<string> { Header };
                    foreach (var (name, count) in _counts.OrderBy(kv => kv.Key))
                        lines.Add($"{name},{count}");
                    return string.Join("\n", lines) + @"
        verbatim ""end""";
                }

                public char Separator => ',';
                public string Raw => """
                    raw "text" here
                    """;
            }
        }

        """";
}
