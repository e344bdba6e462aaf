using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;

namespace CompletionLsp.Server.Tests;

public class CompletionTests
{
    /// <summary>Fixture, then the label expected first ("" for an empty list); with the model trained on src/ or without one.</summary>
    public static TheoryData<string, string, bool> Cases => new()
    {
        { "class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; count$0 }\n}", "counterOfThings", false },
        { "class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; COUNT$0 }\n}", "counterOfThings", false },
        { "class C { // a comment $0\n}", "", false },
        { "class C { string s = \"in a str$0ing\"; }", "", false },
        { "class C { /* block $0 */ }", "", false },
        { "#region Some $0\nclass C { }", "", false },
        { "using System;\nclass P\n{\n    static void Main()\n    {\n        Console.Error.WriteL$0\n    }\n}", "WriteLine", true },
        { "using System;\nclass P\n{\n    static void Main()\n    {\n        throw new InvalidDataEx$0\n    }\n}", "InvalidDataException", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Completes_at_the_caret(string fixture, string first, bool trained)
    {
        var r = await Check.At(fixture, trained ? Repo.SrcModelPath : null);
        await using var _ = r.Client;
        if (first == "") Assert.Empty(r.List.Items);
        else Assert.Equal(first, r.List.Items[0].Label);
    }

    [Fact]
    public async Task After_a_dot_members_come_ranked_by_probability()
    {
        var r = await Check.At("using System;\nclass P\n{\n    static void Main()\n    {\n        Console.Error.$0\n    }\n}", Repo.SrcModelPath);
        await using var _ = r.Client;
        var labels = r.List.Items.Select(i => i.Label).ToList();
        Assert.Contains("WriteLine", labels);
        var top = r.List.Items[0];
        Assert.Equal(r.Caret, top.TextEdit!.Range.Start); // nothing typed: an insertion at the caret
        var probabilities = r.List.Items.Select(i => double.Parse(i.LabelDetails!.Description!.TrimEnd('%').TrimStart('<'), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(probabilities.OrderByDescending(p => p), probabilities);
    }

    [Fact]
    public async Task Kinds_come_from_the_engine_roles()
    {
        var r = await Check.At("class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; return$0 }\n}");
        await using var _ = r.Client;
        Assert.Equal(CompletionItemKind.Keyword, CompletionHandlerKind("Keyword"));
        Assert.Equal(CompletionItemKind.Class, CompletionHandlerKind("Type"));
        Assert.Equal(CompletionItemKind.Method, CompletionHandlerKind("Method"));
        Assert.Equal(CompletionItemKind.Property, CompletionHandlerKind("Property"));
        Assert.Equal(CompletionItemKind.Variable, CompletionHandlerKind("Variable"));
        Assert.Equal(CompletionItemKind.Operator, CompletionHandlerKind("Operator"));
        Assert.Equal(CompletionItemKind.Value, CompletionHandlerKind("Value"));
        Assert.All(r.List.Items, i => Assert.NotEqual(CompletionItemKind.Text, i.Kind));
    }

    private static int CompletionHandlerKind(string role) =>
        Handlers.CompletionHandler.KindOf(Enum.Parse<CompletionLsp.Core.Engine.CompletionRole>(role));

    [Fact]
    public async Task Label_details_only_for_clients_that_show_them()
    {
        const string fixture = "class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; count$0 }\n}";
        var with = await Check.At(fixture);
        await using (with.Client) Assert.All(with.List.Items, i => Assert.EndsWith("%", i.LabelDetails!.Description));
        var without = await Check.At(fixture, capabilities: TestClient.DefaultCapabilities(labelDetails: false));
        await using (without.Client) Assert.All(without.List.Items, i => Assert.Null(i.LabelDetails));
    }

    [Fact]
    public async Task Resolve_returns_the_item_as_it_is()
    {
        var r = await Check.At("class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; count$0 }\n}");
        await using var _ = r.Client;
        var item = r.List.Items[0];
        var resolved = await r.Client.Request<CompletionItem>(Methods.CompletionResolve, item);
        Assert.Equal(item.Label, resolved.Label);
        Assert.Equal(item.TextEdit, resolved.TextEdit);
        var bare = await r.Client.Request<CompletionItem>(Methods.CompletionResolve, new { label = "x" });
        Assert.Equal("x", bare.Label);
    }

    [Fact]
    public async Task Enable_false_and_maxItems_are_honoured()
    {
        const string fixture = "using System;\nclass P\n{\n    static void Main()\n    {\n        Console.Error.$0\n    }\n}";
        var off = await Check.At(fixture, Repo.SrcModelPath, new { completionLsp = new { enable = false } });
        await using (off.Client)
        {
            Assert.Empty(off.List.Items);
            Assert.Empty(off.Inline.Items);
        }
        var three = await Check.At(fixture, Repo.SrcModelPath, new { maxItems = 3 });
        await using (three.Client)
        {
            Assert.Equal(3, three.List.Items.Length);
            await three.Client.Notify(Methods.DidChangeConfiguration, new { settings = new { completionLsp = new { maxItems = 1 } } });
            Assert.Single((await three.Client.Complete(Check.Uri, three.Caret)).Items);
        }
    }

    [Fact]
    public async Task Completion_follows_typing()
    {
        var r = await Check.At("class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; $0 }\n}");
        await using var c = r.Client;
        var caret = r.Caret;
        string typed = "";
        foreach (char ch in "coun")
        {
            await c.Change(Check.Uri, 2 + typed.Length, TestClient.Edit(caret, caret, ch.ToString()));
            typed += ch;
            caret = caret with { Character = caret.Character + 1 };
            var list = await c.Complete(Check.Uri, caret);
            Check.Invariants(list, await c.TextOf(Check.Uri), caret);
            Assert.All(list.Items, i => Assert.StartsWith(typed, i.Label, StringComparison.OrdinalIgnoreCase));
            Assert.Equal("counterOfThings", list.Items[0].Label);
        }
    }
}
