using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;

namespace CompletionLsp.Semantic;

/// <summary>A symbol's XML documentation as markdown: summary, parameters, returns, remarks.</summary>
internal static class Docs
{
    public static string? Render(string symbolId, Compilation compilation)
    {
        ISymbol? s;
        try { s = DocumentationCommentId.GetFirstSymbolForDeclarationId(symbolId, compilation); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return null; }
        if (s == null) return null;
        string xml = s.GetDocumentationCommentXml(expandIncludes: false) ?? "";
        var sb = new StringBuilder();
        sb.Append("```csharp\n").Append(CandidateFinder.Describe(s)).Append("\n```\n");
        if (xml.Length == 0) return sb.ToString();
        XElement root;
        try { root = XElement.Parse(xml.Contains("<member", StringComparison.Ordinal) ? xml : $"<member>{xml}</member>", LoadOptions.None); }
        catch (XmlException) { return sb.ToString(); }
        if (root.Element("summary") is { } summary) sb.Append('\n').Append(Text(summary)).Append('\n');
        var ps = root.Elements("param").ToList();
        if (ps.Count > 0)
        {
            sb.Append('\n');
            foreach (var p in ps) sb.Append("- `").Append(p.Attribute("name")?.Value).Append("`: ").Append(Text(p)).Append('\n');
        }
        if (root.Element("returns") is { } ret) sb.Append("\nReturns: ").Append(Text(ret)).Append('\n');
        if (root.Element("remarks") is { } rem) sb.Append('\n').Append(Text(rem)).Append('\n');
        return sb.ToString();
    }

    private static string Text(XElement e)
    {
        var sb = new StringBuilder();
        foreach (var n in e.Nodes())
        {
            switch (n)
            {
                case XText t: sb.Append(t.Value); break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    string? target = see.Attribute("cref")?.Value ?? see.Attribute("langword")?.Value ?? see.Attribute("href")?.Value;
                    if (target != null) sb.Append('`').Append(ShortName(target)).Append('`'); else sb.Append(Text(see));
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } r: sb.Append('`').Append(r.Attribute("name")?.Value).Append('`'); break;
                case XElement { Name.LocalName: "c" or "code" } c: sb.Append('`').Append(c.Value).Append('`'); break;
                case XElement { Name.LocalName: "para" } p: sb.Append("\n\n").Append(Text(p)).Append("\n\n"); break;
                case XElement other: sb.Append(Text(other)); break;
            }
        }
        return string.Join(' ', sb.ToString().Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
    }

    private static string ShortName(string cref)
    {
        int colon = cref.IndexOf(':');
        var name = colon >= 0 && colon <= 1 ? cref[(colon + 1)..] : cref;
        int paren = name.IndexOf('(');
        if (paren >= 0) name = name[..paren];
        int dot = name.LastIndexOf('.');
        return dot >= 0 ? name[(dot + 1)..] : name;
    }
}
