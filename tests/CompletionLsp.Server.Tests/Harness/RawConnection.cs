using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace CompletionLsp.Server.Tests.Harness;

/// <summary>
/// A server in-process driven with raw bytes: for framing and malformed-input tests.
/// <para>
/// Why it exists next to <see cref="TestClient"/>: a StreamJsonRpc client only writes well-formed messages, and these
/// tests write what no client should (truncated or mis-sized frames, invalid JSON, batches, odd headers, one byte at a
/// time) and read the server's answers byte for byte. In-process, so each case costs no process start; the same
/// abuse against the real process is in tests/CompletionLsp.Reliability.Tests (through LspProcess).
/// </para>
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly Pipe _toServer = new(), _fromServer = new();
    private readonly Stream _in, _out;
    private readonly Task<int> _run;

    public RawConnection(ServerOptions? options = null)
    {
        Server = new LspServer(_toServer.Reader.AsStream(), _fromServer.Writer.AsStream(),
            (options ?? new ServerOptions()) with { EnableTestMethods = true, Stderr = null, WatchParentProcess = false });
        _run = Task.Run(Server.RunAsync);
        _in = _toServer.Writer.AsStream();
        _out = _fromServer.Reader.AsStream();
    }

    public LspServer Server { get; }
    public Task<int> Run => _run;

    public async Task SendRaw(string raw)
    {
        await _in.WriteAsync(Encoding.UTF8.GetBytes(raw));
        await _in.FlushAsync();
    }

    public async Task SendRaw(byte[] raw)
    {
        await _in.WriteAsync(raw);
        await _in.FlushAsync();
    }

    public static string Frame(string json) => $"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}";

    public Task Send(string json) => SendRaw(Frame(json));

    public void CloseInput() => _toServer.Writer.Complete();

    /// <summary>The next message from the server (throws on a framing error in the server's output).</summary>
    public async Task<JsonElement?> Read(CancellationToken ct = default)
    {
        var header = new List<byte>();
        var one = new byte[1];
        while (!(header.Count >= 4 && header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n'))
        {
            if (await _out.ReadAsync(one, ct) == 0) return null;
            header.Add(one[0]);
        }
        var h = Encoding.ASCII.GetString(header.ToArray());
        Assert.StartsWith("Content-Length: ", h);
        int n = int.Parse(h["Content-Length: ".Length..h.IndexOf('\r')]);
        var body = new byte[n];
        await _out.ReadExactlyAsync(body, ct);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Reads until the response with <paramref name="id"/> (skipping notifications and other responses).</summary>
    public async Task<JsonElement> ReadResponse(int? id, int timeoutMs = 20_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (true)
        {
            var m = await Read(cts.Token) ?? throw new EndOfStreamException("the server closed its output");
            if (m.TryGetProperty("method", out _)) continue;
            if (!m.TryGetProperty("id", out var got)) continue;
            if (id == null ? got.ValueKind == JsonValueKind.Null : got.ValueKind == JsonValueKind.Number && got.GetInt32() == id) return m;
        }
    }

    /// <summary>Reads until a notification of <paramref name="method"/> that matches (skipping everything else).</summary>
    public async Task<JsonElement> ReadNotification(string method, Func<JsonElement, bool>? match = null, int timeoutMs = 20_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (true)
        {
            var m = await Read(cts.Token) ?? throw new EndOfStreamException("the server closed its output");
            if (m.TryGetProperty("method", out var me) && me.GetString() == method && !m.TryGetProperty("id", out _)
                && (match == null || match(m.GetProperty("params")))) return m.GetProperty("params");
        }
    }

    public async Task Initialize()
    {
        await Send("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}""");
        await ReadResponse(1);
        await Send("""{"jsonrpc":"2.0","method":"initialized","params":{}}""");
    }

    public async ValueTask DisposeAsync()
    {
        try { _toServer.Writer.Complete(); } catch { }
        try { await _run.WaitAsync(TimeSpan.FromSeconds(10)); } catch { }
        await Server.DisposeAsync();
    }
}
