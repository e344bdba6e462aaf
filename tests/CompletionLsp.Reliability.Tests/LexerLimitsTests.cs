using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// Nested interpolated strings: Roslyn's lexer recurses once per level (a stack overflow kills the process at a few
/// thousand) and splitting the holes re-lexed every level (quadratic: 20 s for a 9 KB file). Each test bounds itself
/// with a timeout that a quadratic lexer exceeds by far at depth 100,000 (and a stack overflow fails the run).
/// </summary>
public sealed class LexerLimitsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Openers => ["$\"{", "$\"\"\"{", "$@\"{", "@$\"{", "$$\"\"\"{{", "$\"{(", "$\"{new[]{", "$\"{ {"];

    [Theory]
    [MemberData(nameof(Openers))]
    public async Task Interpolated_strings_nested_100000_deep_lex_in_linear_time(string opener)
    {
        string text = "int before;\nvar x = " + string.Concat(Enumerable.Repeat(opener, 100_000)) + "\n";
        var toks = await Task.Run(() => CSharpLexer.Lex(text)).WaitAsync(Limit);
        Assert.Equal(["int", "before", ";", "var", "x", "="], toks.Take(6).Select(t => t.Text));
        // The too-deep string is one literal (class <istr>), to the end of the text (it never closes).
        var last = toks[^1];
        Assert.Equal((TokenKind.Literal, LiteralClass.InterpolatedText), (last.Kind, last.Class));
        Assert.Equal(text.IndexOf(opener[0], StringComparison.Ordinal), last.Start);
    }

    [Fact]
    public async Task A_closed_too_deep_string_is_one_literal_and_the_code_after_it_is_lexed()
    {
        const int depth = 100_000;
        string deep = string.Concat(Enumerable.Repeat("$\"{", depth)) + "1" + string.Concat(Enumerable.Repeat("}\"", depth));
        string text = "var x = " + deep + "; int after = 2;\n";
        var toks = await Task.Run(() => CSharpLexer.Lex(text)).WaitAsync(Limit);
        Assert.Equal(["var", "x", "=", deep, ";", "int", "after", "=", "2", ";"], toks.Select(t => t.Text));
        Assert.Equal(LiteralClass.InterpolatedText, toks[3].Class);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_still_split_into_its_parts()
    {
        int depth = CSharpLexer.MaxInterpolationDepth;
        string text = "var x = " + string.Concat(Enumerable.Repeat("$\"{", depth)) + "y" + string.Concat(Enumerable.Repeat("}\"", depth)) + ";";
        var toks = CSharpLexer.Lex(text);
        Assert.Equal(3 + 4 * depth + 2, toks.Count); // var x = ($" {)* y (} ")* ;
        Assert.Contains(toks, t => t.Text == "y" && t.Kind == TokenKind.Identifier && t.Inner);
        // One level more is one literal.
        text = "var x = " + string.Concat(Enumerable.Repeat("$\"{", depth + 1)) + "y" + string.Concat(Enumerable.Repeat("}\"", depth + 1)) + ";";
        Assert.Equal(5, CSharpLexer.Lex(text).Count);
    }

    [Fact]
    public async Task Edits_in_a_deeply_nested_document_stay_linear_and_match_a_fresh_lex()
    {
        // Typing into and around a 300 KB nest: each edit re-lexes, as the server does on every keystroke.
        string nest = string.Concat(Enumerable.Repeat("$\"{", 100_000));
        var doc = new DocumentState("class C {\n void M() {\n  var s = " + nest + "\n }\n}\n", Trainer.Build(new List<CompletionLsp.Core.Corpus.TokenizedFile>(), new TrainOptions { Root = "." }).Vocabulary, 4);
        var rng = new Random(12);
        await Task.Run(() =>
        {
            for (int i = 0; i < 40; i++)
            {
                int at = i % 4 == 0 ? rng.Next(doc.Text.Length) : rng.Next(Math.Min(40, doc.Text.Length));
                int del = Math.Min(rng.Next(3), doc.Text.Length - at);
                string ins = (i % 5) switch { 0 => "$\"{", 1 => "}\"", 2 => "x", 3 => "\n", _ => "" };
                doc.Replace(at, del, ins);
                var fresh = CSharpLexer.Lex(doc.Text);
                Assert.Equal(fresh, doc.Tokens);
            }
        }).WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_server_answers_other_documents_while_a_deeply_nested_one_is_open_and_edited()
    {
        await using var lsp = Server.Start(Repo.SmallModelPath);
        await Server.Initialize(lsp);
        const string deepUri = "file:///deep/Deep.cs", otherUri = "file:///deep/Other.cs";
        Server.Open(lsp, deepUri, "var s = " + string.Concat(Enumerable.Repeat("$\"{", 100_000)) + "\n");
        for (int v = 2; v < 12; v++)
            lsp.Notify("textDocument/didChange", new
            {
                textDocument = new { uri = deepUri, version = v },
                contentChanges = new[] { new { range = new { start = new { line = 0, character = 8 }, end = new { line = 0, character = 8 } }, text = "$\"{" } },
            });
        Server.Open(lsp, otherUri, "class Other { void M() { var list = new List<int>(); list. } }");
        var answer = await lsp.RequestMessage("textDocument/completion",
            new { textDocument = new { uri = otherUri }, position = new { line = 0, character = 57 } }, TimeSpan.FromSeconds(30));
        Assert.True(answer.TryGetProperty("result", out _), answer.ToString());
        var deep = await lsp.RequestMessage("textDocument/completion",
            new { textDocument = new { uri = deepUri }, position = new { line = 0, character = 2 } }, TimeSpan.FromSeconds(30));
        Assert.True(deep.TryGetProperty("result", out _), deep.ToString());
        Assert.False(lsp.HasExited, lsp.Stderr.ToString());
    }
}
