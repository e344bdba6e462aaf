using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CompletionLsp.Bench;

/// <summary>
/// A minimal LSP client over a server process's stdin/stdout, for timing: each request's latency runs from the moment
/// its bytes are written and flushed to the moment its response has been read and parsed.
/// </summary>
public sealed class LspProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<(JsonElement Message, long At)>> _pending = new();
    private readonly object _writeLock = new();
    private readonly Thread _reader;
    private int _nextId;

    public LspProcess(string dll, IEnumerable<string> args)
    {
        Started = Stopwatch.GetTimestamp();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("serve");
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server");
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (Stderr) Stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _stdin = _process.StandardInput.BaseStream;
        _reader = new Thread(() => ReadLoop(_process.StandardOutput.BaseStream)) { IsBackground = true, Name = "lsp-reader" };
        _reader.Start();
    }

    public long Started { get; }
    public StringBuilder Stderr { get; } = new();
    public ConcurrentQueue<(string Method, JsonElement Params, long At)> Notifications { get; } = new();
    public event Action<string, JsonElement>? Notified;

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
                }
                if (b < 0) break;
                var h = Encoding.ASCII.GetString(header.ToArray());
                int at = h.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
                int n = int.Parse(h[(at + 15)..h.IndexOf('\r', at)].Trim());
                var body = new byte[n];
                s.ReadExactly(body);
                var msg = JsonDocument.Parse(body).RootElement.Clone();
                long now = Stopwatch.GetTimestamp();
                if (msg.TryGetProperty("method", out var m))
                {
                    if (msg.TryGetProperty("id", out var rid))
                    {
                        // A request from the server (progress tokens, message actions): answer null.
                        Write($"{{\"jsonrpc\":\"2.0\",\"id\":{rid.GetRawText()},\"result\":null}}");
                        continue;
                    }
                    var p = msg.TryGetProperty("params", out var pp) ? pp : default;
                    Notifications.Enqueue((m.GetString()!, p, now));
                    Notified?.Invoke(m.GetString()!, p);
                }
                else if (msg.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && _pending.TryRemove(id.GetInt32(), out var tcs))
                {
                    tcs.TrySetResult((msg, now));
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        foreach (var kv in _pending) kv.Value.TrySetException(new EndOfStreamException("the server closed its output"));
    }

    private void Write(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        lock (_writeLock)
        {
            _stdin.Write(head);
            _stdin.Write(body);
            _stdin.Flush();
        }
    }

    public void Notify(string method, object @params) =>
        Write(JsonSerializer.Serialize(new { jsonrpc = "2.0", method, @params }));

    /// <summary>Sends a request; returns the response and the latency in milliseconds (written → read).</summary>
    public async Task<(JsonElement Response, double Ms)> Request(string method, object? @params)
    {
        int id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<(JsonElement, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var json = @params == null
            ? JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method })
            : JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params });
        Write(json);
        long sent = Stopwatch.GetTimestamp();
        var (msg, at) = await tcs.Task.WaitAsync(TimeSpan.FromMinutes(2));
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
