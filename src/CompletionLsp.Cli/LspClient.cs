using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace CompletionLsp.Cli;

/// <summary>
/// A minimal LSP client over a child process's stdio (Content-Length framing), for the demo.
/// <para>
/// Why it exists next to CompletionLsp.Bench's LspProcess (the client of the server process for the benchmarks and
/// the tests): the demo is part of the CLI, and the CLI cannot reference the bench project (the bench references the
/// CLI to start its server). It only needs requests in turn and starts this very program's <c>serve</c> verb.
/// </para>
/// </summary>
public sealed class LspClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _in;
    private readonly Stream _out;
    private int _nextId = 1;

    private LspClient(Process p)
    {
        _process = p;
        _in = p.StandardInput.BaseStream;
        _out = p.StandardOutput.BaseStream;
    }

    /// <summary>Starts this program's own `serve` verb as a child process.</summary>
    public static LspClient StartSelf(params string[] extraArgs)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.FileName = self;
            psi.ArgumentList.Add(typeof(LspClient).Assembly.Location);
        }
        else psi.FileName = self;
        psi.ArgumentList.Add("serve");
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new IOException("could not start the server");
        p.ErrorDataReceived += (_, _) => { }; // server logs go to its stderr; the demo does not show them
        p.BeginErrorReadLine();
        return new LspClient(p);
    }

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? @params, CancellationToken ct = default)
    {
        int id = _nextId++;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = @params }, ct);
        while (true)
        {
            var msg = await ReadAsync(ct) ?? throw new IOException("the server closed the connection");
            if (msg["id"] is JsonValue v && v.TryGetValue(out int got) && got == id && msg["method"] == null)
            {
                if (msg["error"] is JsonObject err) throw new IOException($"{method} failed: {err["message"]}");
                return msg["result"];
            }
            // Server-to-client requests (progress creation, configuration) get an empty answer.
            if (msg["id"] != null && msg["method"] != null)
                await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = msg["id"]!.DeepClone(), ["result"] = null }, ct);
        }
    }

    public Task NotifyAsync(string method, JsonNode? @params, CancellationToken ct = default) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = @params }, ct);

    private async Task SendAsync(JsonObject msg, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(msg.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _in.WriteAsync(header, ct);
        await _in.WriteAsync(body, ct);
        await _in.FlushAsync(ct);
    }

    private async Task<JsonNode?> ReadAsync(CancellationToken ct)
    {
        int length = -1;
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await _out.ReadAsync(one, ct) == 0) return null;
            if (one[0] == '\n')
            {
                var l = line.ToString().TrimEnd('\r');
                line.Clear();
                if (l.Length == 0) { if (length >= 0) break; continue; }
                if (l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(l[15..].Trim());
            }
            else line.Append((char)one[0]);
        }
        var buf = new byte[length];
        int read = 0;
        while (read < length)
        {
            int n = await _out.ReadAsync(buf.AsMemory(read), ct);
            if (n == 0) return null;
            read += n;
        }
        return JsonNode.Parse(buf);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await RequestAsync("shutdown", null, cts.Token);
            await NotifyAsync("exit", null, cts.Token);
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception) { try { _process.Kill(true); } catch { } }
        _process.Dispose();
    }
}
