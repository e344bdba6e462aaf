using System.Text;
using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;

namespace CompletionLsp.Server.Tests;

public class DocumentTests
{
    private const string Uri = "file:///doc.cs";

    /// <summary>
    /// Random edits (seeded), incremental and full, several per didChange, with CRLF line ends, surrogate pairs and
    /// positions past the end of a line or the file: after every edit the server's text equals a reference that
    /// applies the same LSP changes independently.
    /// </summary>
    [Theory]
    [InlineData(1, 150)]
    [InlineData(2, 150)]
    [InlineData(3, 150)]
    public async Task Random_edits_keep_the_server_text_equal_to_a_reference(int seed, int steps)
    {
        var rng = new Random(seed);
        await using var c = new TestClient();
        await c.Initialize();
        string text = "using System;\r\nclass C\n{\n    void M() { var s = \"😀 text\"; }\n}\n";
        await c.Open(Uri, text);
        string[] snippets = ["x", "\n", "\r\n", "foo(", ")", "😀", "\"", "// c\n", "/*", "*/", "{ }", "", "  ", "int y = 1;\n", "é"];
        for (int step = 1; step <= steps; step++)
        {
            var changes = new List<object>();
            int n = rng.Next(1, 4);
            for (int k = 0; k < n; k++)
            {
                if (rng.Next(25) == 0)
                {
                    text = string.Concat(Enumerable.Range(0, rng.Next(0, 5)).Select(_ => snippets[rng.Next(snippets.Length)]));
                    changes.Add(new { text });
                    continue;
                }
                var a = RandomPosition(rng, text);
                var b = rng.Next(3) == 0 ? a : RandomPosition(rng, text);
                int oa = LspFixture.OffsetOf(text, a), ob = LspFixture.OffsetOf(text, b);
                // Edits between the halves of a surrogate pair would leave a lone surrogate, which JSON cannot carry.
                if (InsidePair(text, oa)) a = LspFixture.PositionOf(text, ++oa);
                if (InsidePair(text, ob)) b = LspFixture.PositionOf(text, ++ob);
                if (ob < oa) (a, b, oa, ob) = (b, a, ob, oa);
                string insert = rng.Next(4) == 0 ? "" : snippets[rng.Next(snippets.Length)];
                text = text[..oa] + insert + text[ob..];
                changes.Add(TestClient.Edit(a, b, insert));
            }
            await c.Change(Uri, step + 1, changes.ToArray());
            Assert.Equal(text, await c.TextOf(Uri));
            if (step % 10 == 0)
            {
                // Completion at a random spot never fails, whatever the text.
                await c.Complete(Uri, RandomPosition(rng, text));
            }
        }
    }

    private static bool InsidePair(string text, int offset) =>
        offset > 0 && offset < text.Length && char.IsHighSurrogate(text[offset - 1]) && char.IsLowSurrogate(text[offset]);

    private static Position RandomPosition(Random rng, string text)
    {
        int lines = text.Count(ch => ch == '\n') + 1;
        // Now and then past the end of a line or of the file: the server clamps.
        return new Position(rng.Next(lines + (rng.Next(10) == 0 ? 2 : 0)), rng.Next(rng.Next(8) == 0 ? 200 : 30));
    }

    [Fact]
    public async Task Positions_past_the_end_of_a_line_or_the_file_clamp()
    {
        await using var c = new TestClient();
        await c.Initialize();
        await c.Open(Uri, "ab\r\ncd\n");
        await c.Change(Uri, 2, TestClient.Edit(new Position(0, 99), new Position(0, 99), "X"));
        Assert.Equal("abX\r\ncd\n", await c.TextOf(Uri));
        await c.Change(Uri, 3, TestClient.Edit(new Position(9, 0), new Position(12, 5), "END"));
        Assert.Equal("abX\r\ncd\nEND", await c.TextOf(Uri));
        // A range given backwards is taken in order.
        await c.Change(Uri, 4, TestClient.Edit(new Position(1, 2), new Position(1, 0), "zz"));
        Assert.Equal("abX\r\nzz\nEND", await c.TextOf(Uri));
    }

    [Fact]
    public async Task Full_and_incremental_changes_in_one_notification_apply_in_order()
    {
        await using var c = new TestClient();
        await c.Initialize();
        await c.Open(Uri, "old");
        await c.Change(Uri, 2, new { text = "class A {}" }, TestClient.Edit(new Position(0, 6), new Position(0, 7), "B"), TestClient.Edit(new Position(0, 10), new Position(0, 10), " // end"));
        Assert.Equal("class B {} // end", await c.TextOf(Uri));
    }

    [Fact]
    public async Task Notifications_for_unknown_documents_are_ignored_and_requests_answer_empty()
    {
        await using var c = new TestClient();
        await c.Initialize();
        const string unknown = "file:///never-opened.cs";
        await c.Change(unknown, 2, TestClient.Edit(new Position(0, 0), new Position(0, 0), "x"));
        await c.Notify(Methods.DidSave, new { textDocument = new { uri = unknown } });
        await c.Notify(Methods.DidClose, new { textDocument = new { uri = unknown } });
        Assert.Empty((await c.Complete(unknown, new Position(0, 0))).Items);
        Assert.Empty((await c.Inline(unknown, new Position(0, 0))).Items);
        await c.WaitFor(Methods.LogMessage, m => m.GetProperty("message").GetString()!.Contains("not open"));
        // A closed document is unknown again.
        await c.Open(Uri, "class C { }");
        await c.Notify(Methods.DidClose, new { textDocument = new { uri = Uri } });
        Assert.Empty((await c.Complete(Uri, new Position(0, 0))).Items);
        Assert.Equal(0, await c.ShutdownAndExit());
    }

    [Fact]
    public async Task Saving_an_open_document_is_accepted_and_its_names_are_offered_elsewhere()
    {
        await using var c = new TestClient();
        await c.Initialize();
        await c.Open(Uri, "class C\n{\n    void M() { uniq }\n}\n");
        await c.Open("file:///other.cs", "class D { int uniqueFieldName; }");
        await c.Change("file:///other.cs", 2, TestClient.Edit(new Position(0, 31), new Position(0, 31), " int uniqueOtherName;"));
        await c.Notify(Methods.DidSave, new { textDocument = new { uri = "file:///other.cs" } });
        // Without a trained model, completions come from the open documents (as edited and saved).
        var list = await c.Complete(Uri, new Position(2, 19));
        Assert.Contains(list.Items, i => i.Label == "uniqueOtherName");
        Assert.DoesNotContain(c.Received(Methods.LogMessage), m => m.GetProperty("type").GetInt32() <= MessageType.Warning);
    }

    [Fact]
    public async Task A_huge_document_is_opened_edited_and_completed()
    {
        // With a trained model (without one, the engine builds a model of the open documents, which for megabytes takes long).
        await using var c = new TestClient(new ServerOptions { ModelPath = Repo.SrcModelPath });
        await c.Initialize();
        await c.WaitForStatus(ModelState.Loaded);
        var sb = new StringBuilder("class Huge\n{\n");
        for (int i = 0; sb.Length < 3_000_000; i++) sb.Append($"    int field{i} = {i}; // padding padding padding padding\n");
        sb.Append("    int fie\n}\n");
        string text = sb.ToString();
        await c.Open(Uri, text);
        var lastLine = new Position(text.Count(ch => ch == '\n') - 2, "    int fie".Length);
        var list = await c.Complete(Uri, lastLine);
        Assert.NotEmpty(list.Items);
        Assert.All(list.Items, i => Assert.StartsWith("fie", i.Label));
        await c.Change(Uri, 2, TestClient.Edit(lastLine, lastLine, "ld1"));
        Assert.Equal(text.Insert(text.Length - "\n}\n".Length, "ld1"), await c.TextOf(Uri));
    }
}
