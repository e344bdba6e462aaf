using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompletionLsp.Bench;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// A seeded protocol fuzzer against the real server process (`completion-lsp serve` over stdio): malformed and
/// truncated frames, wrong Content-Length, invalid JSON, wrong types in params, unknown methods, requests before
/// initialize and after shutdown, positions far outside documents, huge lines, lone surrogates, concurrent requests
/// and cancellations. Each request must get the error the LSP / JSON-RPC prescribe (or its result), notifications
/// never get a response, the server keeps serving, and a final well-formed completion still works.
/// </summary>
public sealed class ProtocolFuzzTests(ITestOutputHelper output)
{
    private const int ParseError = -32700, InvalidRequest = -32600, MethodNotFound = -32601, InvalidParams = -32602,
        ServerNotInitialized = -32002, RequestCancelled = -32800, RequestFailed = -32803, Result = 0;

    private const string Doc = "file:///fuzz/Fuzz.cs";
    private const string BaseText = "using System;\nclass Fuzz\n{\n    int counterOfThings;\n    void M() { var s = $\"a {counterOfThings} b\"; // note\n        counterOfThings = 1; count\n    }\n}\n";

    private sealed class Fuzzer(LspProcess lsp, Random rng)
    {
        public int Requests, Notifications, BadFrames, Responses, Pings;
        public readonly SortedDictionary<int, int> ErrorsByCode = new();
        public readonly List<string> Mismatches = new();
        private readonly List<Task> _pending = new();
        private int _ids;

        private void Count(int code) { lock (ErrorsByCode) ErrorsByCode[code] = ErrorsByCode.GetValueOrDefault(code) + 1; }
        private void Mismatch(string m) { lock (Mismatches) if (Mismatches.Count < 50) Mismatches.Add(m); }

        /// <summary>Sends a request whose answer must be a result (0) or one of the error codes in <paramref name="expected"/>.</summary>
        public void Request(string method, JsonNode? @params, int[] expected, string what, JsonNode? id = null, bool paramsMissing = false)
        {
            id ??= rng.Next(3) == 0 ? JsonValue.Create($"s{Interlocked.Increment(ref _ids)}") : JsonValue.Create(Interlocked.Increment(ref _ids) + 1_000_000);
            var msg = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["method"] = method };
            if (!paramsMissing) msg["params"] = @params?.DeepClone();
            string key = LspProcess.IdKey(JsonDocument.Parse(id.ToJsonString()).RootElement);
            var answer = lsp.Expect(key);
            Requests++;
            lsp.WriteRaw(LspProcess.Frame(msg.ToJsonString()));
            _pending.Add(Check(answer, expected, $"{what}: {Shorten(msg.ToJsonString())}"));
        }

        private async Task Check(Task<(JsonElement Message, long At)> answer, int[] expected, string what)
        {
            JsonElement m;
            try { (m, _) = await answer.WaitAsync(TimeSpan.FromSeconds(30)); }
            catch (Exception e) { Mismatch($"no answer ({e.GetType().Name}) to {what}"); return; }
            Interlocked.Increment(ref Responses);
            int code = m.TryGetProperty("error", out var err) ? err.GetProperty("code").GetInt32() : Result;
            if (code != Result) Count(code);
            if (!expected.Contains(code)) Mismatch($"{(code == Result ? "a result" : "error " + code)} (expected {string.Join(" or ", expected)}) for {what}: {Shorten(m.GetRawText())}");
        }

        public void Notify(string method, JsonNode? @params)
        {
            var msg = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = @params?.DeepClone() };
            Notifications++;
            lsp.WriteRaw(LspProcess.Frame(msg.ToJsonString()));
        }

        /// <summary>Sends bytes that are no well-formed message, then a well-formed request (a ping): the ping is
        /// answered (the server resynchronised), and id-null errors before it have one of the <paramref name="expected"/>
        /// codes, at least one of them when <paramref name="answered"/>.</summary>
        /// <summary>What a ping answers: a result, or ServerNotInitialized before initialize.</summary>
        public int PingAnswer = Result;

        public async Task BadFrame(byte[] bytes, int[] expected, bool answered, string what)
        {
            await Drain();
            int before = lsp.NullIdErrors.Count;
            BadFrames++;
            lsp.WriteRaw(bytes);
            await Ping($"after {what}");
            var errors = lsp.NullIdErrors.Skip(before).ToList();
            foreach (var e in errors)
            {
                int code = e.GetProperty("error").GetProperty("code").GetInt32();
                Count(code);
                if (!expected.Contains(code)) Mismatch($"id-null error {code} (expected {string.Join(" or ", expected)}) for {what}: {Shorten(e.GetRawText())}");
            }
            if (answered && errors.Count == 0) Mismatch($"no id-null error for {what}");
        }

        public async Task Ping(string what)
        {
            Pings++;
            Request("workspace/executeCommand", new JsonObject { ["command"] = "completionLsp.modelInfo" }, [PingAnswer], "ping " + what);
            await Drain();
        }

        public async Task Drain()
        {
            var all = _pending.ToArray();
            _pending.Clear();
            await Task.WhenAll(all);
        }
    }

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + $"... ({s.Length} chars)";

    private static JsonNode Pos(int line, int character) => new JsonObject { ["line"] = line, ["character"] = character };
    private static JsonNode CompletionParams(string uri, int line, int character) =>
        new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri }, ["position"] = Pos(line, character) };
    private static JsonNode InlineParams(string uri, int line, int character) =>
        new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri }, ["position"] = Pos(line, character), ["context"] = new JsonObject { ["triggerKind"] = 1 } };
    private static JsonNode Change(string uri, int version, int sl, int sc, int el, int ec, string text) => new JsonObject
    {
        ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
        ["contentChanges"] = new JsonArray(new JsonObject { ["range"] = new JsonObject { ["start"] = Pos(sl, sc), ["end"] = Pos(el, ec) }, ["text"] = text }),
    };

    /// <summary>A random JSON value of a random type (to put where another type belongs).</summary>
    private static JsonNode? RandomValue(Random rng) => rng.Next(12) switch
    {
        0 => null,
        1 => JsonValue.Create(rng.Next(2) == 0),
        2 => JsonValue.Create(-rng.Next(1, 1000)),
        3 => JsonValue.Create(long.MaxValue),
        4 => JsonValue.Create(1.5e300),
        5 => JsonValue.Create("x"),
        6 => JsonValue.Create(""),
        7 => new JsonArray(1, "a", null),
        8 => new JsonObject(),
        9 => new JsonObject { ["line"] = "0" },
        10 => JsonValue.Create(int.MinValue),
        _ => JsonValue.Create(new string('z', rng.Next(1, 5000))),
    };

    /// <summary>Replaces one random node of <paramref name="node"/> (a copy) by a random value of another type.</summary>
    private static JsonNode Mutate(JsonNode node, Random rng)
    {
        var copy = node.DeepClone();
        var nodes = new List<(JsonNode Parent, object Key)>();
        void Walk(JsonNode n)
        {
            if (n is JsonObject o) foreach (var kv in o.ToList()) { nodes.Add((o, kv.Key)); if (kv.Value != null) Walk(kv.Value); }
            else if (n is JsonArray a) for (int i = 0; i < a.Count; i++) { nodes.Add((a, i)); if (a[i] != null) Walk(a[i]!); }
        }
        Walk(copy);
        if (nodes.Count == 0) return copy;
        var (parent, key) = nodes[rng.Next(nodes.Count)];
        var value = RandomValue(rng);
        if (parent is JsonObject po)
        {
            if (rng.Next(5) == 0) po.Remove((string)key);
            else po[(string)key] = value;
        }
        else ((JsonArray)parent)[(int)key] = value;
        return copy;
    }

    [Theory]
    [InlineData(20240601, 4000)]
    public async Task The_real_server_answers_fuzzed_input_with_the_right_errors_and_keeps_serving(int seed, int cases)
    {
        var rng = new Random(seed);
        var sw = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(60);
        await using var lsp = Server.Start(Repo.SmallModelPath);
        var f = new Fuzzer(lsp, rng);

        // ---- before initialize: requests get ServerNotInitialized, notifications are dropped, bad frames answered ----
        string[] known = ["textDocument/completion", "textDocument/inlineCompletion", "shutdown", "workspace/executeCommand", "completionItem/resolve"];
        for (int i = 0; i < 40; i++)
        {
            if (rng.Next(4) == 0) f.Notify("textDocument/didOpen", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Doc, ["languageId"] = "csharp", ["version"] = 1, ["text"] = "x" } });
            else if (rng.Next(5) == 0) f.Request("unknown/method" + i, new JsonObject(), [MethodNotFound, ServerNotInitialized], "unknown before initialize");
            else f.Request(known[rng.Next(known.Length)], CompletionParams(Doc, 0, 0), [ServerNotInitialized], "before initialize");
        }
        await f.Drain();
        f.PingAnswer = ServerNotInitialized;
        await f.BadFrame(Encoding.UTF8.GetBytes(Frame("{ not json")), [ParseError], true, "malformed JSON before initialize");
        f.PingAnswer = Result;

        // ---- initialize ----
        f.Request("initialize", new JsonObject { ["processId"] = Environment.ProcessId, ["capabilities"] = new JsonObject() }, [Result], "initialize");
        await f.Drain();
        f.Notify("initialized", new JsonObject());
        f.Notify("textDocument/didOpen", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Doc, ["languageId"] = "csharp", ["version"] = 1, ["text"] = BaseText } });
        int version = 1;
        int hugeLines = 0;

        // ---- the fuzz ----
        int done = 0;
        for (; done < cases && sw.Elapsed < budget; done++)
        {
            if (lsp.HasExited) break;
            int line = rng.Next(0, 10), ch = rng.Next(0, 40);
            switch (rng.Next(24))
            {
                case 0: f.Request("textDocument/completion", CompletionParams(Doc, line, ch), [Result], "completion"); break;
                case 1: f.Request("textDocument/inlineCompletion", InlineParams(Doc, line, ch), [Result], "inline completion"); break;
                case 2:
                {
                    int[] far = [-1, int.MinValue, int.MaxValue, 1_000_000, 5000];
                    f.Request(rng.Next(2) == 0 ? "textDocument/completion" : "textDocument/inlineCompletion",
                        InlineParams(Doc, far[rng.Next(far.Length)], far[rng.Next(far.Length)]), [Result, InvalidParams], "position far outside the document");
                    break;
                }
                case 3: case 4:
                {
                    // Wrong types anywhere in the params of a request.
                    var (method, p) = rng.Next(4) switch
                    {
                        0 => ("textDocument/completion", CompletionParams(Doc, line, ch)),
                        1 => ("textDocument/inlineCompletion", InlineParams(Doc, line, ch)),
                        2 => ("workspace/executeCommand", (JsonNode)new JsonObject { ["command"] = "completionLsp.modelInfo", ["arguments"] = new JsonArray() }),
                        _ => ("completionItem/resolve", (JsonNode)new JsonObject { ["label"] = "x" }),
                    };
                    f.Request(method, Mutate(p, rng), [Result, InvalidParams, RequestFailed], "mutated params");
                    break;
                }
                case 5:
                {
                    // Wrong types in a notification: dropped (logged), never answered.
                    var p = rng.Next(2) == 0 ? Change(Doc, version, 0, 0, 0, 0, "") : new JsonObject { ["settings"] = new JsonObject { ["completionLsp"] = new JsonObject() } };
                    f.Notify(p is JsonObject o && o.ContainsKey("contentChanges") ? "textDocument/didChange" : "workspace/didChangeConfiguration", Mutate(p, rng));
                    break;
                }
                case 6: f.Request(rng.Next(3) == 0 ? "$/unknownRequest" : "textDocument/hover", CompletionParams(Doc, 0, 0), [MethodNotFound], "unknown method"); break;
                case 7: f.Notify(rng.Next(2) == 0 ? "$/unknownNotification" : "workspace/unknown", new JsonObject { ["x"] = 1 }); break;
                case 8:
                {
                    // Lone surrogates: in a document's text (kept as U+FFFD, same length) and in a URI.
                    if (rng.Next(2) == 0) f.Notify("textDocument/didChange", Change(Doc, ++version, line, ch, line, ch, rng.Next(2) == 0 ? "\ud800" : "a\udc00b"));
                    else f.Request("textDocument/completion", CompletionParams("file:///fuzz/\ud800.cs", 0, 0), [Result, InvalidParams, RequestFailed], "lone surrogate in a URI");
                    break;
                }
                case 9:
                {
                    // A request cancelled while it runs answers RequestCancelled.
                    var id = JsonValue.Create($"wait{done}");
                    f.Request("completionLsp/test/wait", new JsonObject { ["milliseconds"] = 30_000 }, [RequestCancelled], "cancelled wait", id);
                    await Task.Delay(rng.Next(0, 3));
                    f.Notify("$/cancelRequest", new JsonObject { ["id"] = id.DeepClone() });
                    break;
                }
                case 10:
                {
                    // Concurrent completions, some cancelled at once: each answers a result or RequestCancelled.
                    for (int k = 0; k < 8; k++)
                    {
                        var id = JsonValue.Create(9_000_000 + done * 10 + k);
                        f.Request(k % 2 == 0 ? "textDocument/completion" : "textDocument/inlineCompletion", InlineParams(Doc, rng.Next(10), rng.Next(40)), [Result, RequestCancelled], "concurrent", id);
                        if (rng.Next(3) == 0) f.Notify("$/cancelRequest", new JsonObject { ["id"] = id.DeepClone() });
                    }
                    f.Notify("$/cancelRequest", new JsonObject { ["id"] = 123456789 }); // nothing to cancel: ignored
                    break;
                }
                case 11:
                {
                    if (hugeLines >= 6) goto case 0;
                    hugeLines++;
                    // A huge line (200,000 characters) appended, completed at its end, then removed.
                    string huge = string.Concat(Enumerable.Repeat("counterOfThings + ", 11_112));
                    f.Notify("textDocument/didChange", Change(Doc, ++version, 9, 0, 9, 0, huge));
                    f.Request("textDocument/completion", CompletionParams(Doc, 9, huge.Length), [Result], "completion at the end of a huge line");
                    f.Request("textDocument/inlineCompletion", InlineParams(Doc, 9, huge.Length / 2), [Result], "inline completion inside a huge line");
                    f.Notify("textDocument/didChange", new JsonObject
                    {
                        ["textDocument"] = new JsonObject { ["uri"] = Doc, ["version"] = ++version },
                        ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = BaseText }),
                    });
                    break;
                }
                case 12:
                    f.Notify("textDocument/didChange", Change(Doc, ++version, line, ch, rng.Next(0, 10), rng.Next(0, 40), rng.Next(3) == 0 ? "\r\n" : "x."));
                    break;
                case 13:
                {
                    // Ids of every legal shape.
                    JsonNode[] ids = [JsonValue.Create(0), JsonValue.Create(-7 - done), JsonValue.Create(9_007_199_254_740_991L - done), JsonValue.Create(""+ done + "\u00e9\ud83d\ude00")];
                    f.Request("textDocument/completion", CompletionParams(Doc, line, ch), [Result], "unusual id", ids[rng.Next(ids.Length)]);
                    break;
                }
                case 14:
                    f.Request("initialize", new JsonObject { ["capabilities"] = new JsonObject() }, [InvalidRequest], "initialize again");
                    break;
                case 15:
                    f.Request(rng.Next(2) == 0 ? "textDocument/completion" : "workspace/executeCommand", null, [InvalidParams], "params missing", paramsMissing: true);
                    break;
                case 16:
                {
                    // Notifications about documents that are not open: ignored.
                    string uri = $"file:///fuzz/closed{rng.Next(5)}.cs";
                    if (rng.Next(2) == 0) f.Notify("textDocument/didChange", Change(uri, 2, 0, 0, 0, 0, "x"));
                    else f.Notify("textDocument/didClose", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } });
                    f.Request("textDocument/completion", CompletionParams(uri, 0, 0), [Result, RequestFailed], "completion in a closed document");
                    break;
                }
                case 17:
                    f.Request("workspace/executeCommand", new JsonObject { ["command"] = "no.such.command" }, [InvalidParams], "unknown command");
                    break;
                // ---- frames ----
                case 18:
                {
                    string[] bad = ["{ this is not json", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", "hello", "{\"jsonrpc\":\"2.0\",\"method\":\"x\"} trailing", "\"just a string", "nul", "{\"a\":1,}"];
                    await f.BadFrame(Encoding.UTF8.GetBytes(Frame(bad[rng.Next(bad.Length)])), [ParseError], true, "invalid JSON");
                    break;
                }
                case 19:
                {
                    // Truncated: the header promises more than is sent, cut anywhere (even inside a string).
                    string body = Frame("{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"textDocument/completion\",\"params\":{\"textDocument\":{\"uri\":\"file:///fuzz/Fuzz.cs\"},\"position\":{\"line\":1,\"character\":2}}}");
                    int headerLength = body.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
                    string cut = body[..(headerLength + rng.Next(1, body.Length - headerLength - 1))];
                    await f.BadFrame(Encoding.UTF8.GetBytes(cut), [ParseError], true, "truncated frame");
                    break;
                }
                case 20:
                {
                    // A wrong Content-Length: too small, too large, not a number, missing, negative, enormous.
                    string json = "{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}";
                    int n = Encoding.UTF8.GetByteCount(json);
                    string[] headers = [$"Content-Length: {n - rng.Next(1, n)}", $"Content-Length: {n + rng.Next(1, 5000)}", "Content-Length: 12abc", "Content-Type: application/vscode-jsonrpc; charset=utf-8",
                        "Content-Length: -5", "Content-Length: 99999999999999", $"Content-Length: {n}\r\nContent-Type: application/json; charset=latin1"];
                    string h = headers[rng.Next(headers.Length)];
                    await f.BadFrame(Encoding.UTF8.GetBytes(h + "\r\n\r\n" + json), [ParseError], true, $"wrong header '{h.Replace("\r\n", "\\r\\n")}'");
                    break;
                }
                case 21:
                {
                    // Random bytes flipped anywhere in a frame: whatever it becomes, the server resynchronises.
                    var bytes = Encoding.UTF8.GetBytes(Frame("{\"jsonrpc\":\"2.0\",\"method\":\"$/setTrace\",\"params\":{\"value\":\"off\"}}"));
                    for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                    await f.BadFrame(bytes, [ParseError, InvalidRequest, InvalidParams, MethodNotFound], false, "flipped bytes");
                    break;
                }
                case 22:
                {
                    // Well-formed JSON that is no valid message, and invalid UTF-8.
                    (string Body, int Code)[] bad = [("[]", InvalidRequest), ("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}]", InvalidRequest), ("42", InvalidRequest),
                        ("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"shutdown\"}", InvalidRequest), ("{\"jsonrpc\":\"2.0\"}", InvalidRequest), ("{\"id\":null,\"method\":\"x\"}", InvalidRequest)];
                    var (b, code) = bad[rng.Next(bad.Length)];
                    await f.BadFrame(Encoding.UTF8.GetBytes(Frame(b)), [code], true, "not a message: " + b);
                    break;
                }
                default:
                {
                    byte[] invalid = [.. "{\"jsonrpc\":\"2.0\",\"method\":\"x"u8, 0xC3, 0x28, 0xFF, .. "\"}"u8];
                    await f.BadFrame([.. Encoding.ASCII.GetBytes($"Content-Length: {invalid.Length}\r\n\r\n"), .. invalid], [ParseError], true, "invalid UTF-8");
                    break;
                }
            }
            if (done % 25 == 24)
            {
                var t0 = Stopwatch.GetTimestamp();
                await f.Drain();
                if (Stopwatch.GetElapsedTime(t0).TotalSeconds > 2) output.WriteLine($"slow drain at case {done}: {Stopwatch.GetElapsedTime(t0).TotalSeconds:F1} s");
            }
        }
        await f.Drain();

        // ---- still serving: a fresh document completes as it should; the process is alive ----
        Assert.False(lsp.HasExited, "the server process died:\n" + lsp.Stderr);
        const string Final = "file:///fuzz/Final.cs";
        Server.Open(lsp, Final, "class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; count }\n}");
        var labels = Server.Labels(await Server.Complete(lsp, Final, 3, 41));
        bool aliveAfterFuzz = !lsp.HasExited;

        // ---- after shutdown: requests get InvalidRequest, notifications are dropped, exit gives code 0 ----
        f.Request("shutdown", null, [Result], "shutdown", paramsMissing: true);
        await f.Drain();
        for (int i = 0; i < 20; i++)
        {
            if (rng.Next(3) == 0) f.Notify("textDocument/didChange", Change(Doc, ++version, 0, 0, 0, 0, "x"));
            else f.Request(known[rng.Next(known.Length - 1)], CompletionParams(Doc, 0, 0), [InvalidRequest], "after shutdown");
        }
        await f.Drain();
        f.Notify("exit", null);
        bool exited = await lsp.WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (exited) await lsp.OutputClosed.WaitAsync(TimeSpan.FromSeconds(10));

        int responses = f.Responses, answeredErrors = f.ErrorsByCode.Values.Sum();
        output.WriteLine($"protocol fuzz, seed {seed}: {done:N0} cases in {sw.Elapsed.TotalSeconds:F1} s against the real server process (pid {lsp.Pid})");
        output.WriteLine($"  messages fuzzed   {f.Requests + f.Notifications + f.BadFrames:N0}: {f.Requests:N0} requests ({f.Pings} of them pings after bad frames), {f.Notifications:N0} notifications, {f.BadFrames:N0} bad frames");
        output.WriteLine($"  responses         {responses:N0} to requests, {lsp.NullIdErrors.Count} id-null errors to unreadable messages");
        output.WriteLine($"  errors by code    {string.Join(", ", f.ErrorsByCode.Select(kv => $"{kv.Key} {Name(kv.Key)}: {kv.Value}"))} ({answeredErrors} in all)");
        output.WriteLine($"  crashes           {(aliveAfterFuzz ? 0 : 1)}; final completion {(labels.Contains("counterOfThings") ? "ok" : "FAILED")}; exit code after shutdown+exit {(exited ? lsp.ExitCode.ToString() : "none (did not exit)")}");
        output.WriteLine($"  mismatches        {f.Mismatches.Count}; responses to notifications or unknown ids {lsp.UnexpectedResponses.Count}; stdout violations {lsp.ProtocolViolations.Count}");
        foreach (var m in f.Mismatches.Take(20)) output.WriteLine("    " + m);
        foreach (var u in lsp.UnexpectedResponses.Take(5)) output.WriteLine("    unexpected: " + Shorten(u.GetRawText()));

        Assert.Contains("counterOfThings", labels);
        Assert.Empty(f.Mismatches);
        Assert.Empty(lsp.UnexpectedResponses);
        Assert.Empty(lsp.ProtocolViolations);
        Assert.DoesNotContain(-32603, f.ErrorsByCode.Keys);
        Assert.True(exited, "the server did not exit after shutdown and exit");
        Assert.Equal(0, lsp.ExitCode);
        Assert.True(done >= Math.Min(cases, 300), $"only {done} cases ran in {budget.TotalSeconds} s");
    }

    private static string Frame(string json) => Encoding.UTF8.GetString(LspProcess.Frame(json));

    private static string Name(int code) => code switch
    {
        ParseError => "ParseError", InvalidRequest => "InvalidRequest", MethodNotFound => "MethodNotFound", InvalidParams => "InvalidParams",
        ServerNotInitialized => "ServerNotInitialized", RequestCancelled => "RequestCancelled", RequestFailed => "RequestFailed", -32603 => "InternalError",
        _ => "",
    };
}
