using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompletionLsp.Semantic;

/// <summary>
/// The semantic questions the candidate finder asks, answered either by the semantic model of the text being
/// completed, or speculatively by a warm semantic model of an earlier text of the same document: syntax nodes then
/// come from the current text and are bound at <see cref="Speculative"/>, a position of the earlier text in the
/// same member. That avoids a new compilation per keystroke (binding a fresh compilation costs tens of milliseconds
/// in a large class; a speculative lookup, a fraction of one).
/// </summary>
internal sealed class Binding(SemanticModel model, int? speculative = null)
{
    public SemanticModel Model { get; } = model;
    /// <summary>Where in <see cref="Model"/>'s text lookups run (null: at the positions given, in its own tree).</summary>
    public int? Speculative { get; } = speculative;
    public Compilation Compilation => Model.Compilation;

    private int At(int position) => Speculative ?? position;

    public SymbolInfo GetSymbolInfo(SyntaxNode node, CancellationToken ct = default)
    {
        if (Speculative is not int q) return Model.GetSymbolInfo(node, ct);
        if (node is not ExpressionSyntax e) return default;
        var info = Model.GetSpeculativeSymbolInfo(q, e, node is TypeSyntax && node.Parent is not MemberAccessExpressionSyntax and not InvocationExpressionSyntax && IsTypeContext(node)
            ? SpeculativeBindingOption.BindAsTypeOrNamespace : SpeculativeBindingOption.BindAsExpression);
        return info;
    }

    /// <summary>A type syntax in a declaration or a qualified name (not an expression that may be a value).</summary>
    private static bool IsTypeContext(SyntaxNode node) => node.Parent is VariableDeclarationSyntax or ParameterSyntax or QualifiedNameSyntax or TypeArgumentListSyntax
        or ObjectCreationExpressionSyntax or UsingDirectiveSyntax or DeclarationExpressionSyntax or DeclarationPatternSyntax or BaseTypeSyntax;

    public TypeInfo GetTypeInfo(SyntaxNode node, CancellationToken ct = default)
    {
        if (Speculative is not int q) return Model.GetTypeInfo(node, ct);
        return node is ExpressionSyntax e ? Model.GetSpeculativeTypeInfo(q, e, node is TypeSyntax && IsTypeContext(node) ? SpeculativeBindingOption.BindAsTypeOrNamespace : SpeculativeBindingOption.BindAsExpression) : default;
    }

    public IEnumerable<ISymbol> GetMemberGroup(ExpressionSyntax expression, CancellationToken ct = default)
    {
        if (Speculative == null) return Model.GetMemberGroup(expression, ct);
        var info = GetSymbolInfo(expression, ct);
        return info.Symbol != null ? [info.Symbol] : info.CandidateSymbols;
    }

    public ISymbol? GetEnclosingSymbol(int position, CancellationToken ct = default) => Model.GetEnclosingSymbol(At(position), ct);
    public bool IsAccessible(int position, ISymbol symbol) => Model.IsAccessible(At(position), symbol);

    public IEnumerable<ISymbol> LookupSymbols(int position, INamespaceOrTypeSymbol? container = null, string? name = null, bool includeReducedExtensionMethods = false) =>
        Model.LookupSymbols(At(position), container, name, includeReducedExtensionMethods);

    public IEnumerable<ISymbol> LookupStaticMembers(int position, INamespaceOrTypeSymbol? container = null) => Model.LookupStaticMembers(At(position), container);
    public IEnumerable<ISymbol> LookupNamespacesAndTypes(int position) => Model.LookupNamespacesAndTypes(At(position));
}
