using System.Text;
using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;

namespace CompletionLsp.Server.Tests;

/// <summary>
/// Bad input on the wire. StreamJsonRpc alone drops the connection on any of these; the server must answer (or log)
/// and keep serving: after each case a well-formed request still gets its answer.
/// </summary>
public class TransportTests
{
    private const string Ping = """{"jsonrpc":"2.0","id":99,"method":"workspace/executeCommand","params":{"command":"completionLsp.modelInfo"}}""";

    public static TheoryData<string, string, int?> BadInput => new()
    {
        // name, raw bytes sent, error code answered with id null (null: no answer, only a log line)
        { "malformed JSON", RawConnection.Frame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"), LspErrorCodes.ParseError },
        { "not JSON at all", RawConnection.Frame("hello"), LspErrorCodes.ParseError },
        { "a JSON array (batch)", RawConnection.Frame("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}]"), LspErrorCodes.InvalidRequest },
        { "a JSON number", RawConnection.Frame("42"), LspErrorCodes.InvalidRequest },
        { "an object that is no message", RawConnection.Frame("{\"jsonrpc\":\"2.0\",\"foo\":1}"), LspErrorCodes.InvalidRequest },
        { "JSON-RPC 1.0", RawConnection.Frame("{\"id\":null,\"method\":\"initialize\",\"params\":[]}"), LspErrorCodes.InvalidRequest },
        { "an id that is an object", RawConnection.Frame("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"shutdown\"}"), LspErrorCodes.InvalidRequest },
        { "method not a string", RawConnection.Frame("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":7}"), null },
        { "trailing garbage after the JSON", RawConnection.Frame("{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"} x"), LspErrorCodes.ParseError },
        { "Content-Length not a number", "Content-Length: abc\r\n\r\n{}", LspErrorCodes.ParseError },
        { "no Content-Length", "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}", LspErrorCodes.ParseError },
        { "Content-Length 0", "Content-Length: 0\r\n\r\n", LspErrorCodes.ParseError },
        { "Content-Length too small", "Content-Length: 10\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}", LspErrorCodes.ParseError },
        { "Content-Length too large", "Content-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}", LspErrorCodes.ParseError },
        { "Content-Length over the limit", "Content-Length: 2000000000\r\n\r\n", LspErrorCodes.ParseError },
        { "garbage between messages", "\r\n\r\nrandom noise\r\n\r\n", LspErrorCodes.ParseError },
        { "an unsupported charset", "Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\n{}", LspErrorCodes.ParseError },
        { "a response to no request", RawConnection.Frame("{\"jsonrpc\":\"2.0\",\"id\":12345,\"result\":null}"), null },
        { "a response with an error to no request", RawConnection.Frame("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":1,\"message\":\"m\"}}"), null },
        { "deeply nested JSON", RawConnection.Frame(new string('[', 5000) + new string(']', 5000)), LspErrorCodes.ParseError },
        { "invalid UTF-8", "Content-Length: 31\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\u00ff\"}", LspErrorCodes.ParseError },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_answered_and_the_server_goes_on(string name, string raw, int? code)
    {
        await using var c = new RawConnection();
        await c.Initialize();
        var bytes = raw.Contains('\u00ff') ? Encoding.Latin1.GetBytes(raw.Replace("\u00ff", "\u00ff")) : Encoding.UTF8.GetBytes(raw);
        await c.SendRaw(bytes);
        // The next message follows at once: a Content-Length that is too large is only noticed when more bytes come.
        await c.Send(Ping);
        if (code != null)
        {
            var err = await c.ReadResponse(null);
            Assert.True(code == err.GetProperty("error").GetProperty("code").GetInt32(), $"{name}: {err}");
        }
        var ok = await c.ReadResponse(99);
        Assert.True(ok.TryGetProperty("result", out _), $"{name}: {ok}");
        Assert.True(c.Server.RejectedMessages >= 1, name);
    }

    [Fact]
    public async Task Messages_split_into_single_bytes_and_glued_together_are_read()
    {
        await using var c = new RawConnection();
        await c.Initialize();
        var two = Encoding.UTF8.GetBytes(RawConnection.Frame(Ping.Replace("99", "41")) + RawConnection.Frame(Ping.Replace("99", "42")));
        foreach (var b in two) await c.SendRaw([b]);
        Assert.True((await c.ReadResponse(41)).TryGetProperty("result", out _));
        Assert.True((await c.ReadResponse(42)).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task Headers_in_any_case_with_a_utf8_content_type_are_accepted()
    {
        await using var c = new RawConnection();
        await c.Initialize();
        var body = Ping.Replace("99", "43");
        await c.SendRaw($"content-type: application/vscode-jsonrpc; charset=utf8\r\ncontent-length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        Assert.True((await c.ReadResponse(43)).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task A_document_containing_header_text_is_not_mistaken_for_framing()
    {
        await using var c = new RawConnection();
        await c.Initialize();
        string text = "// Content-Length: 5\\r\\n\\r\\n{}\\nclass C { }";
        await c.Send("""{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///h.cs","languageId":"csharp","version":1,"text":" """.TrimEnd() + text + "\"}}}");
        await c.Send("""{"jsonrpc":"2.0","id":44,"method":"completionLsp/test/documentText","params":{"uri":"file:///h.cs"}}""");
        var r = await c.ReadResponse(44);
        Assert.Equal("// Content-Length: 5\r\n\r\n{}\nclass C { }", r.GetProperty("result").GetProperty("text").GetString());
        Assert.Equal(0, c.Server.RejectedMessages);
    }
}
