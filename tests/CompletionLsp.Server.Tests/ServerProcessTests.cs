using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CompletionLsp.Server.Tests.Harness;

namespace CompletionLsp.Server.Tests;

/// <summary>`completion-lsp serve` as a process: stdout carries nothing but protocol, and the exit codes follow the spec.</summary>
public class ServerProcessTests
{
    private static Process Start(params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Repo.CompletionLspDll);
        psi.ArgumentList.Add("serve");
        foreach (var a in extra) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return p;
    }

    private static void Send(Process p, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var s = p.StandardInput.BaseStream;
        s.Write(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
        s.Write(body);
        s.Flush();
    }

    /// <summary>Reads stdout as Content-Length frames of JSON until it ends; any other byte fails the test.</summary>
    private sealed class Reader
    {
        private readonly List<JsonElement> _messages = new();
        public Task Done { get; }

        public Reader(Stream stdout) => Done = Task.Run(() => Loop(stdout));

        private void Loop(Stream s)
        {
            while (true)
            {
                var header = new List<byte>();
                int b;
                while ((b = s.ReadByte()) >= 0)
                {
                    header.Add((byte)b);
                    if (header.Count >= 4 && header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n') break;
                }
                if (b < 0)
                {
                    Assert.True(header.Count == 0, "stdout ends with bytes that are not a message: " + Encoding.UTF8.GetString(header.ToArray()));
                    return;
                }
                var h = Encoding.ASCII.GetString(header.ToArray());
                Assert.True(h.StartsWith("Content-Length: ", StringComparison.Ordinal), "stdout has bytes that are not a message: " + h);
                int n = int.Parse(h["Content-Length: ".Length..h.IndexOf('\r')]);
                var body = new byte[n];
                s.ReadExactly(body);
                lock (_messages) _messages.Add(JsonDocument.Parse(body).RootElement.Clone());
            }
        }

        public List<JsonElement> Messages { get { lock (_messages) return _messages.ToList(); } }

        public JsonElement WaitForStatus(string state) => WaitFor(m => m.TryGetProperty("method", out var me) && me.GetString() == "completionLsp/status"
            && m.GetProperty("params").GetProperty("state").GetString() == state);

        public JsonElement WaitForId(int id) => WaitFor(m => m.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() == id);

        private JsonElement WaitFor(Func<JsonElement, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                foreach (var m in Messages)
                    if (match(m)) return m;
                Thread.Sleep(20);
            }
            throw new TimeoutException($"not found in: {string.Join("\n", Messages)}");
        }
    }

    [Fact]
    public async Task Shutdown_then_exit_gives_code_0_and_stdout_is_only_protocol()
    {
        using var p = Start("--model", Repo.SrcModelPath, "--stdio");
        var output = new Reader(p.StandardOutput.BaseStream);
        Send(p, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}""");
        Send(p, """{"jsonrpc":"2.0","method":"initialized","params":{}}""");
        output.WaitForStatus("loaded");
        Send(p, """{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///p.cs","languageId":"csharp","version":1,"text":"class C { void M() { Console.Error.Wri } }"}}}""");
        Send(p, """{"jsonrpc":"2.0","id":2,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///p.cs"},"position":{"line":0,"character":38}}}""");
        Send(p, "{ this is not json");
        Send(p, """{"jsonrpc":"2.0","id":3,"method":"shutdown"}""");
        Assert.Equal(JsonValueKind.Null, output.WaitForId(3).GetProperty("result").ValueKind); // a client waits for it before exit
        Send(p, """{"jsonrpc":"2.0","method":"exit"}""");
        Assert.True(p.WaitForExit(30_000), "the server did not exit");
        Assert.Equal(0, p.ExitCode);
        await output.Done;
        var messages = output.Messages;
        var byId = messages.Where(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number).ToDictionary(m => m.GetProperty("id").GetInt32());
        Assert.True(byId[1].GetProperty("result").TryGetProperty("capabilities", out _));
        Assert.Contains(byId[2].GetProperty("result").GetProperty("items").EnumerateArray(), i => i.GetProperty("label").GetString() == "WriteLine");
        Assert.Equal(JsonValueKind.Null, byId[3].GetProperty("result").ValueKind);
        Assert.Contains(messages, m => m.TryGetProperty("error", out var e) && e.GetProperty("code").GetInt32() == -32700);
    }

    [Fact]
    public async Task End_of_input_without_shutdown_gives_code_1()
    {
        using var p = Start();
        var output = new Reader(p.StandardOutput.BaseStream);
        Send(p, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}""");
        output.WaitForId(1);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(30_000), "the server did not exit");
        Assert.Equal(1, p.ExitCode);
        await output.Done;
    }

    [Fact]
    public async Task Exit_without_shutdown_gives_code_1()
    {
        using var p = Start();
        var output = new Reader(p.StandardOutput.BaseStream);
        Send(p, """{"jsonrpc":"2.0","method":"exit"}""");
        Assert.True(p.WaitForExit(30_000), "the server did not exit");
        Assert.Equal(1, p.ExitCode);
        await output.Done;
    }
}
