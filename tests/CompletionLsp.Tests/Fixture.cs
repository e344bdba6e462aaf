using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Tests;

/// <summary>Tests are data: an inline C# fixture with a caret marker `$0`, run through one check helper.</summary>
public static class Fixture
{
    public const string Caret = "$0";

    /// <summary>Removes the caret marker; returns the text and the caret's offset.</summary>
    public static (string Text, int Offset) Parse(string fixture)
    {
        int at = fixture.IndexOf(Caret, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException("fixture has no $0 caret marker");
        if (fixture.IndexOf(Caret, at + 2, StringComparison.Ordinal) >= 0) throw new ArgumentException("fixture has two carets");
        return (fixture.Remove(at, Caret.Length), at);
    }

    /// <summary>Opens the fixture in an engine (with the given model, or open documents only) and completes at the caret.</summary>
    public static CompletionList Complete(string fixture, ModelBundle? model = null, int max = 10, params string[] otherDocuments)
    {
        var (text, offset) = Parse(fixture);
        var engine = new CompletionEngine();
        if (model != null) engine.LoadModel(model);
        int i = 0;
        foreach (var other in otherDocuments) engine.Open($"file:///other{i++}.cs", other, 1);
        engine.Open("file:///fixture.cs", text, 1);
        return engine.Complete("file:///fixture.cs", offset, max);
    }
}
