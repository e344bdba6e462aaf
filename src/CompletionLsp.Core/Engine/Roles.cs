using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

internal static class Roles
{
    private static readonly HashSet<string> ValueKeywords = new(StringComparer.Ordinal) { "true", "false", "null", "default", "this", "base" };

    /// <summary>Role of a suggestion from its kind, its spelling and what the model says follows it.</summary>
    public static CompletionRole Of(Vocabulary vocab, ILanguageModel model, int id, int previousId)
    {
        var kind = vocab.KindOf(id);
        string text = vocab[id];
        switch (kind)
        {
            case TokenKind.Keyword: return ValueKeywords.Contains(text) ? CompletionRole.Value : CompletionRole.Keyword;
            case TokenKind.Punctuation: return CompletionRole.Operator;
            case TokenKind.Literal: return CompletionRole.Value;
        }
        if (vocab.TryGetId("(", out int paren))
        {
            double pCall = model.Probability([previousId, id], paren);
            if (pCall > 0.5) return CompletionRole.Method;
        }
        bool upper = text.Length > 0 && char.IsUpper(text[0]);
        bool afterDot = previousId >= 0 && previousId < vocab.Count && vocab[previousId] is "." or "?.";
        if (!upper) return CompletionRole.Variable;
        if (afterDot) return CompletionRole.Property;
        return CompletionRole.Type;
    }
}
