using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompletionLsp.Semantic;

/// <summary>
/// The types an expression that starts after a token is expected to have, read from the syntax before the caret
/// (the code after it is not written yet): an argument (each overload's parameter at that index), the right side of an
/// assignment or of an initializer with a declared type, a <c>return</c> or an expression body (the member's type,
/// <c>Task&lt;T&gt;</c> unwrapped where it is async), the other side of <c>==</c>, <c>!=</c> or <c>??</c>, and a
/// condition (<c>bool</c>). Empty where nothing can be told; <c>object</c>, type parameters and error types are left
/// out, since anything fits them.
/// </summary>
internal static class ExpectedType
{
    public static List<ITypeSymbol> After(Binding model, SyntaxToken prev, int position, CancellationToken ct)
    {
        var types = new List<ITypeSymbol>();
        try { Collect(model, prev, position, types, ct); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NullReferenceException) { types.Clear(); }
        types.RemoveAll(t => t.TypeKind is TypeKind.Error or TypeKind.TypeParameter or TypeKind.Dynamic || t.SpecialType == SpecialType.System_Object);
        // (Many overloads: the parameter's type tells little, and each candidate would be checked against each.)
        if (types.Count > 8) types.Clear();
        return types;
    }

    private static void Collect(Binding model, SyntaxToken prev, int position, List<ITypeSymbol> types, CancellationToken ct)
    {
        var compilation = model.Compilation;
        ITypeSymbol Bool() => compilation.GetSpecialType(SpecialType.System_Boolean);
        void Add(ITypeSymbol? t) { if (t != null && !types.Any(x => SymbolEqualityComparer.Default.Equals(x, t))) types.Add(t); }
        switch (prev.Kind())
        {
            case SyntaxKind.OpenParenToken or SyntaxKind.CommaToken when prev.Parent is ArgumentListSyntax args && args.Parent != null:
            {
                int index = 0;
                foreach (var sep in args.Arguments.GetSeparators()) if (sep.SpanStart < prev.Span.End) index++;
                foreach (var m in CandidateFinder.Callees(model, args.Parent, ct))
                {
                    if (index < m.Parameters.Length)
                    {
                        var p = m.Parameters[index];
                        Add(p.Type);
                        if (p.IsParams && p.Type is IArrayTypeSymbol a) Add(a.ElementType);
                    }
                    else if (m.Parameters.Length > 0 && m.Parameters[^1] is { IsParams: true, Type: IArrayTypeSymbol pa }) Add(pa.ElementType);
                }
                return;
            }
            case SyntaxKind.OpenParenToken when prev.Parent is IfStatementSyntax or WhileStatementSyntax:
            case SyntaxKind.AmpersandAmpersandToken or SyntaxKind.BarBarToken:
            case SyntaxKind.ExclamationToken when prev.Parent is PrefixUnaryExpressionSyntax:
                Add(Bool());
                return;
            case SyntaxKind.EqualsToken when prev.Parent is EqualsValueClauseSyntax eq:
                switch (eq.Parent)
                {
                    case VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax decl } when !decl.Type.IsVar:
                        Add(model.GetTypeInfo(decl.Type, ct).Type);
                        break;
                    case PropertyDeclarationSyntax prop:
                        Add(model.GetTypeInfo(prop.Type, ct).Type);
                        break;
                    case ParameterSyntax { Type: { } pt }:
                        Add(model.GetTypeInfo(pt, ct).Type);
                        break;
                }
                return;
            case SyntaxKind.EqualsToken when prev.Parent is AssignmentExpressionSyntax assign && assign.Left is not (TupleExpressionSyntax or DeclarationExpressionSyntax):
                Add(model.GetTypeInfo(assign.Left, ct).Type);
                return;
            case SyntaxKind.EqualsEqualsToken or SyntaxKind.ExclamationEqualsToken or SyntaxKind.QuestionQuestionToken when prev.Parent is BinaryExpressionSyntax bin:
                Add(model.GetTypeInfo(bin.Left, ct).Type);
                return;
            case SyntaxKind.ReturnKeyword:
                Add(ReturnType(model.GetEnclosingSymbol(position, ct), compilation));
                return;
            case SyntaxKind.EqualsGreaterThanToken when prev.Parent is ArrowExpressionClauseSyntax:
                Add(ReturnType(model.GetEnclosingSymbol(position, ct), compilation));
                return;
        }
    }

    /// <summary>What a <c>return</c> in the member gives back: its type, or T of an async method's Task&lt;T&gt;.</summary>
    private static ITypeSymbol? ReturnType(ISymbol? member, Compilation compilation)
    {
        switch (member)
        {
            case IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }: return null; // a lambda's type comes from where it goes
            case IMethodSymbol m:
                if (m.ReturnsVoid) return null;
                if (m.IsAsync) return m.ReturnType is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } task && task.Name is "Task" or "ValueTask" ? task.TypeArguments[0] : null;
                if (m.ReturnType.Name is "IEnumerable" or "IEnumerator" or "IAsyncEnumerable") return null; // maybe an iterator
                return m.ReturnType;
            case IPropertySymbol p: return p.Type;
            default: return null;
        }
    }

    /// <summary>The locals and parameters of the member around <paramref name="prev"/> that are declared before it and not
    /// mentioned since (read from the syntax alone, so that a warm model of an earlier text answers the same): the
    /// names the code just introduced, which it tends to use next.</summary>
    public static HashSet<string> FreshNames(SyntaxToken prev)
    {
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        var member = prev.Parent?.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or LocalFunctionStatementSyntax
            or GlobalStatementSyntax);
        if (member == null) return fresh;
        for (var t = member.GetFirstToken(); t.RawKind != 0 && t.SpanStart <= prev.SpanStart; t = t.GetNextToken())
        {
            if (!t.IsKind(SyntaxKind.IdentifierToken)) continue;
            bool declares = t.Parent is VariableDeclaratorSyntax v && v.Identifier == t || t.Parent is ParameterSyntax p && p.Identifier == t
                || t.Parent is SingleVariableDesignationSyntax || t.Parent is ForEachStatementSyntax fe && fe.Identifier == t
                || t.Parent is CatchDeclarationSyntax cd && cd.Identifier == t;
            if (declares) fresh.Add(t.ValueText); else fresh.Remove(t.ValueText);
        }
        return fresh;
    }

    /// <summary>True when an instance of the type is one of the expected types or derives from one (its base classes
    /// only: after <c>new</c> every type in scope is a candidate, and a conversion check or interface walk per type costs
    /// tens of milliseconds in a large compilation).</summary>
    public static bool Instances(INamedTypeSymbol t, List<ITypeSymbol> expected)
    {
        if (t.IsStatic || t.IsAbstract || t.TypeKind is TypeKind.Interface or TypeKind.Error) return false;
        foreach (var e in expected)
            for (INamedTypeSymbol? b = t; b != null; b = b.BaseType)
                if (SymbolEqualityComparer.Default.Equals(b.OriginalDefinition, e.OriginalDefinition)) return true;
        return false;
    }

    /// <summary>True when the symbol's value converts implicitly to one of the expected types (a method: what it
    /// returns); a type fits when it is one of them (an enum's name starts its member, a class its static factory).</summary>
    public static bool Fits(ISymbol s, List<ITypeSymbol> expected, Compilation compilation)
    {
        if (s is IAliasSymbol alias) s = alias.Target;
        if (s is INamedTypeSymbol named)
        {
            foreach (var e in expected) if (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, e.OriginalDefinition)) return true;
            return false;
        }
        ITypeSymbol? t = s switch
        {
            ILocalSymbol l => l.Type,
            IParameterSymbol p => p.Type,
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.Type,
            IMethodSymbol { ReturnsVoid: false, MethodKind: MethodKind.Ordinary or MethodKind.ReducedExtension or MethodKind.LocalFunction } m => m.ReturnType,
            _ => null,
        };
        if (t == null || t.TypeKind is TypeKind.Error) return false;
        foreach (var e in expected)
        {
            if (SymbolEqualityComparer.Default.Equals(t, e)) return true;
            if (t.TypeKind == TypeKind.TypeParameter) continue;
            try { if (compilation.ClassifyCommonConversion(t, e) is { IsImplicit: true }) return true; }
            catch (ArgumentException) { }
        }
        return false;
    }
}
