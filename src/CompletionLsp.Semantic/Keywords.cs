namespace CompletionLsp.Semantic;

/// <summary>
/// The keywords (contextual ones included, as they are spelled) that can start a word in each kind of place. A
/// coarse, syntactic classification: it errs on the side of admitting a keyword.
/// </summary>
internal static class Keywords
{
    private static HashSet<string> Set(params IEnumerable<string>[] parts) => new(parts.SelectMany(p => p), StringComparer.Ordinal);

    private static readonly string[] PredefinedTypes =
        ["bool", "byte", "sbyte", "char", "decimal", "double", "float", "int", "uint", "long", "ulong", "short", "ushort", "object", "string", "nint", "nuint", "dynamic"];
    private static readonly string[] ExpressionStart =
        ["new", "this", "base", "null", "true", "false", "default", "typeof", "sizeof", "nameof", "checked", "unchecked", "await", "throw", "ref", "out", "in",
         "stackalloc", "delegate", "static", "async", "var", "from", "not", "is", "with", "switch", "and", "or", "when", "scoped", "__arglist", "__makeref", "__reftype", "__refvalue"];
    private static readonly string[] StatementStart =
        ["if", "for", "foreach", "while", "do", "switch", "default", "break", "continue", "return", "throw", "try",
         "using", "lock", "goto", "yield", "unsafe", "fixed", "const", "var", "void", "static", "async", "await", "extern", "readonly", "unchecked", "checked", "when"];
    private static readonly string[] Modifiers =
        ["public", "private", "protected", "internal", "static", "readonly", "const", "virtual", "override", "abstract", "sealed", "async", "extern",
         "unsafe", "new", "partial", "volatile", "required", "file", "ref", "scoped"];
    private static readonly string[] Declarations =
        ["class", "struct", "interface", "enum", "record", "delegate", "event", "implicit", "explicit", "operator", "void", "fixed", "this", "where", "get", "set", "init"];
    private static readonly string[] AfterExpressionWords =
        ["is", "as", "switch", "with", "in", "when", "and", "or", "not", "into", "select", "where", "orderby", "group", "by", "join", "let", "on", "equals",
         "ascending", "descending", "from"];

    public static readonly HashSet<string> Types = Set(PredefinedTypes, ["void", "global"]);
    public static readonly HashSet<string> Constraint = Set(Types, ["class", "struct", "new", "notnull", "unmanaged", "default", "where", "allows"]);
    public static readonly HashSet<string> Parameter = Set(Types, ["ref", "out", "in", "params", "this", "scoped", "readonly"]);
    public static readonly HashSet<string> Expression = Set(PredefinedTypes, ExpressionStart);
    public static readonly HashSet<string> Statement = Set(PredefinedTypes, ExpressionStart, StatementStart);
    public static readonly HashSet<string> MemberDeclaration = Set(PredefinedTypes, Modifiers, Declarations, ["global"]);
    public static readonly HashSet<string> NamespaceBody = Set(Modifiers, Declarations, ["using", "namespace", "extern", "global"]);
    public static readonly HashSet<string> TopLevel = Set(PredefinedTypes, Modifiers, Declarations, ExpressionStart, StatementStart, ["using", "namespace", "global"]);
    public static readonly HashSet<string> Accessors = Set(["get", "set", "init", "add", "remove", "private", "protected", "internal", "readonly"]);
    public static readonly HashSet<string> AfterExpression = Set(AfterExpressionWords);
    public static readonly HashSet<string> AttributeTargets = Set(["assembly", "module", "return", "field", "property", "method", "type", "param", "event", "typevar"]);

    /// <summary>Statement keywords, with 'else' after an if statement, 'catch'/'finally' after a try block and 'case' in a switch.</summary>
    public static IReadOnlyCollection<string> StatementAfter(bool elseOk, bool catchOk, bool caseOk)
    {
        if (!elseOk && !catchOk && !caseOk) return Statement;
        var set = new HashSet<string>(Statement, StringComparer.Ordinal);
        if (elseOk) set.Add("else");
        if (catchOk) { set.Add("catch"); set.Add("finally"); }
        if (caseOk) set.Add("case");
        return set;
    }
}
