using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CompletionLsp.Bench;

/// <summary>How to start the server process.</summary>
public sealed record LspProcessOptions
{
    /// <summary>Extra environment variables (e.g. COMPLETION_LSP_TEST_METHODS=1).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
    public string? WorkingDirectory { get; init; }
    /// <summary>A program and its arguments that run `dotnet &lt;dll&gt; serve ...` (e.g. strace): prefix[0] is started.</summary>
    public IReadOnlyList<string>? Prefix { get; init; }
}

/// <summary>
/// The one LSP client for the real server process (`dotnet completion-lsp.dll serve`), used by every benchmark of
/// completion-lsp-bench and by the tests that need the process itself (tests/CompletionLsp.Reliability.Tests;
/// ServerProcessTests in tests/CompletionLsp.Server.Tests): stdio framing as an editor sees it, exit codes, RSS, signals,
/// what else is written to stdout. The in-process clients of tests/CompletionLsp.Server.Tests (TestClient, RawConnection)
/// test the server without a process; the CLI's demo has its own small client because the CLI cannot reference this
/// project (this one references the CLI).
/// <para>
/// A minimal LSP client over a server process's stdin/stdout, for timing and for tests of the real process: each
/// request's latency runs from the moment its bytes are written and flushed to the moment its response has been read
/// and parsed. It reads the server's stdout strictly (anything that is not a Content-Length frame of JSON is counted
/// as a protocol violation), answers the server's own requests with null, and can write raw bytes (for fuzzing).
/// </para>
/// </summary>
public sealed class LspProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(JsonElement Message, long At)>> _pending = new(StringComparer.Ordinal);
    private readonly object _writeLock = new();
    private readonly Thread _reader;
    private int _nextId;

    public LspProcess(string dll, IEnumerable<string> args, LspProcessOptions? options = null)
    {
        Started = Stopwatch.GetTimestamp();
        var command = new List<string>(options?.Prefix ?? []) { "dotnet", dll, "serve" };
        command.AddRange(args);
        var psi = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = options?.WorkingDirectory ?? "",
        };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (options?.Environment != null) foreach (var kv in options.Environment) psi.Environment[kv.Key] = kv.Value;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server");
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (Stderr) Stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _stdin = _process.StandardInput.BaseStream;
        _reader = new Thread(() => ReadLoop(_process.StandardOutput.BaseStream)) { IsBackground = true, Name = "lsp-reader" };
        _reader.Start();
    }

    public long Started { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public StringBuilder Stderr { get; } = new();
    public ConcurrentQueue<(string Method, JsonElement Params, long At)> Notifications { get; } = new();
    public event Action<string, JsonElement>? Notified;
    /// <summary>Error responses with id null (answers to messages the server could not read).</summary>
    public ConcurrentQueue<JsonElement> NullIdErrors { get; } = new();
    /// <summary>Responses to ids this client never sent or already had an answer for (notifications answered, duplicates).</summary>
    public ConcurrentQueue<JsonElement> UnexpectedResponses { get; } = new();
    /// <summary>Bytes on stdout that were not a Content-Length frame of JSON.</summary>
    public ConcurrentQueue<string> ProtocolViolations { get; } = new();
    /// <summary>Completes when the server's stdout has ended.</summary>
    public Task OutputClosed => _outputClosed.Task;
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The process's resident set size in KiB (VmRSS in /proc/&lt;pid&gt;/status), or -1 where there is none.</summary>
    public long RssKb() => ReadStatusKb(Pid, "VmRSS:");
    /// <summary>The process's peak resident set size in KiB (VmHWM), or -1.</summary>
    public long PeakRssKb() => ReadStatusKb(Pid, "VmHWM:");

    public static long ReadStatusKb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return -1;
    }

    private void ReadLoop(Stream s)
    {
        var header = new List<byte>(64);
        try
        {
            while (true)
            {
                header.Clear();
                int b;
                while ((b = s.ReadByte()) >= 0)
                {
                    header.Add((byte)b);
                    if (header.Count >= 4 && header[^1] == '\n' && header[^2] == '\r' && header[^3] == '\n' && header[^4] == '\r') break;
                    if (header.Count > 4096) break;
                }
                if (b < 0)
                {
                    if (header.Count > 0) ProtocolViolations.Enqueue("stdout ends with bytes that are not a message: " + Encoding.UTF8.GetString(header.ToArray()));
                    break;
                }
                var h = Encoding.ASCII.GetString(header.ToArray());
                int at = h.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
                int end = at < 0 ? -1 : h.IndexOf('\r', at);
                if (at != 0 || end < 0 || !int.TryParse(h[(at + 15)..end].Trim(), out int n) || n < 0)
                {
                    ProtocolViolations.Enqueue("not a message header: " + h);
                    break; // the stream cannot be trusted any more
                }
                var body = new byte[n];
                s.ReadExactly(body);
                JsonElement msg;
                try { msg = JsonDocument.Parse(body).RootElement.Clone(); }
                catch (JsonException e)
                {
                    ProtocolViolations.Enqueue($"a message that is not JSON ({e.Message}): {Encoding.UTF8.GetString(body)}");
                    continue;
                }
                Dispatch(msg, Stopwatch.GetTimestamp());
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or EndOfStreamException) { }
        finally
        {
            _outputClosed.TrySetResult();
            foreach (var kv in _pending) kv.Value.TrySetException(new EndOfStreamException("the server closed its output"));
        }
    }

    private void Dispatch(JsonElement msg, long now)
    {
        if (msg.ValueKind != JsonValueKind.Object)
        {
            ProtocolViolations.Enqueue("a message that is not an object: " + msg.GetRawText());
            return;
        }
        if (msg.TryGetProperty("method", out var m))
        {
            if (msg.TryGetProperty("id", out var rid))
            {
                // A request from the server (progress tokens, message actions): answer null.
                try { Write($"{{\"jsonrpc\":\"2.0\",\"id\":{rid.GetRawText()},\"result\":null}}"); }
                catch (Exception e) when (e is IOException or ObjectDisposedException) { }
                return;
            }
            var p = msg.TryGetProperty("params", out var pp) ? pp : default;
            Notifications.Enqueue((m.GetString()!, p, now));
            Notified?.Invoke(m.GetString()!, p);
            return;
        }
        if (!msg.TryGetProperty("id", out var id))
        {
            ProtocolViolations.Enqueue("a message that is neither a request, a notification nor a response: " + msg.GetRawText());
            return;
        }
        if (id.ValueKind == JsonValueKind.Null)
        {
            if (msg.TryGetProperty("error", out _)) NullIdErrors.Enqueue(msg);
            else UnexpectedResponses.Enqueue(msg);
            return;
        }
        if (_pending.TryRemove(IdKey(id), out var tcs)) tcs.TrySetResult((msg, now));
        else UnexpectedResponses.Enqueue(msg);
    }

    /// <summary>A canonical key for a JSON-RPC id ("n:1", "s:abc").</summary>
    public static string IdKey(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.Number when id.TryGetInt64(out long n) => "n:" + n,
        JsonValueKind.Number => "n:" + id.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.String => "s:" + id.GetString(),
        _ => "?" + id.GetRawText(),
    };

    private void Write(string json) => WriteRaw(Frame(json));

    public static byte[] Frame(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body];
    }

    /// <summary>Writes bytes as they are (framing included).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        lock (_writeLock)
        {
            _stdin.Write(bytes);
            _stdin.Flush();
        }
    }

    /// <summary>Closes the server's stdin.</summary>
    public void CloseInput()
    {
        lock (_writeLock) _stdin.Close();
    }

    public void Notify(string method, object @params) =>
        Write(JsonSerializer.Serialize(new { jsonrpc = "2.0", method, @params }));

    /// <summary>A fresh numeric request id (never reused by <see cref="Request"/>).</summary>
    public int NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>
    /// Expects the response to the request with <paramref name="idKey"/> (see <see cref="IdKey"/>): call before the
    /// request is written. The task completes with the whole response (result or error) and the time it was read.
    /// </summary>
    public Task<(JsonElement Message, long At)> Expect(string idKey)
    {
        var tcs = new TaskCompletionSource<(JsonElement, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(idKey, tcs)) throw new InvalidOperationException($"id {idKey} is already pending");
        if (_outputClosed.Task.IsCompleted) tcs.TrySetException(new EndOfStreamException("the server closed its output"));
        return tcs.Task;
    }

    /// <summary>Sends a request; returns the whole response (result or error) without throwing on an error.</summary>
    public async Task<JsonElement> RequestMessage(string method, object? @params, TimeSpan? timeout = null)
    {
        int id = NextId();
        var answer = Expect("n:" + id);
        Write(@params == null
            ? JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method })
            : JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params }));
        return (await answer.WaitAsync(timeout ?? TimeSpan.FromMinutes(2))).Message;
    }

    /// <summary>Sends a request; returns the response and the latency in milliseconds (written → read).</summary>
    public async Task<(JsonElement Response, double Ms)> Request(string method, object? @params)
    {
        int id = NextId();
        var answer = Expect("n:" + id);
        var json = @params == null
            ? JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method })
            : JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params });
        Write(json);
        long sent = Stopwatch.GetTimestamp();
        var (msg, at) = await answer.WaitAsync(TimeSpan.FromMinutes(2));
        if (msg.TryGetProperty("error", out var err)) throw new InvalidOperationException($"{method}: {err}");
        return (msg, Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
    }

    public async Task<JsonElement> WaitForNotification(string method, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (m, p, _) in Notifications)
                if (m == method && match(p)) return p;
            await Task.Delay(10);
        }
        throw new TimeoutException($"no {method}");
    }

    /// <summary>Waits for the process to end; false when it has not within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try { await _process.WaitForExitAsync().WaitAsync(timeout); return true; }
        catch (TimeoutException) { return false; }
    }

    public async Task<int> ShutdownAsync()
    {
        await Request("shutdown", null);
        Notify("exit", new { });
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
