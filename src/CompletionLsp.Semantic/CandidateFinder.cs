using CompletionLsp.Core.Engine;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompletionLsp.Semantic;

/// <summary>
/// The legal names for a word that starts at a position, from Roslyn's semantic model (direct lookups, no
/// CompletionService): after <c>.</c> the receiver's accessible members and the extension methods in scope; elsewhere
/// the symbols in scope, narrowed to types where only a type can stand, and the keywords legal in that kind of place.
/// Returns null where it cannot tell (the receiver does not bind): the engine then keeps the language model's list.
/// </summary>
internal static class CandidateFinder
{
    public static SemanticCandidates? Find(SemanticModel model, int position, CancellationToken ct) =>
        Find(model.SyntaxTree.GetRoot(ct), position, new Binding(model), ct);

    /// <param name="root">The syntax of the text being completed.</param>
    /// <param name="model">Its semantics: its own model, or a warm one of an earlier text (speculative).</param>
    public static SemanticCandidates? Find(SyntaxNode root, int position, Binding model, CancellationToken ct)
    {
        var prev = TokenBefore(root, position);
        // At the end of the text (the code below the caret is not written yet) Roslyn looks names up in the scope of
        // the end-of-file token, the compilation unit: look them up inside the token before the caret instead.
        // Code in an inactive #if branch (for the chosen target framework) has no semantics.
        var trivia = root.FindTrivia(Math.Max(0, position - 1));
        if (trivia.IsKind(SyntaxKind.DisabledTextTrivia) || trivia.IsDirective) return null;
        int at = position;
        if (model.Speculative == null && prev.RawKind != 0 && root.FindToken(position).IsKind(SyntaxKind.EndOfFileToken))
            at = Math.Max(prev.SpanStart, prev.Span.End - 1);
        var (importAt, newline) = ImportInsertPoint(root);
        SemanticCandidates Make(SemanticContext c, IReadOnlyList<SemanticCandidate> items, IReadOnlyCollection<string> kw) =>
            new(c, items, kw, importAt, newline);

        // Inside a comment, a string or a directive the engine does not ask; a word right after a number or a name
        // glued to it is not a word start.
        if (prev.RawKind == 0) return Make(SemanticContext.Scope, Scope(model, at, default, ct), Keywords.TopLevel);

        if (IsMemberAccessOperator(prev, out var receiver))
        {
            if (receiver == null) return null;
            var members = Members(model, at, receiver, ct);
            return members == null ? null : Make(SemanticContext.Member, members, []);
        }
        // using directives: namespaces (and types for 'using static' and aliases).
        if (prev.Parent is UsingDirectiveSyntax u && (prev.IsKind(SyntaxKind.UsingKeyword) || prev.IsKind(SyntaxKind.StaticKeyword) || prev.IsKind(SyntaxKind.EqualsToken) || prev.IsKind(SyntaxKind.GlobalKeyword)))
        {
            var nss = model.LookupNamespacesAndTypes(at).Where(s => s is INamespaceSymbol || !u.StaticKeyword.IsKind(SyntaxKind.None) || u.Alias != null)
                .Select(s => ToCandidate(s, null, null)).OfType<SemanticCandidate>().ToList();
            return Make(SemanticContext.TypeOnly, nss, prev.IsKind(SyntaxKind.UsingKeyword) ? ["static", "global"] : []);
        }
        if (prev.Kind() is SyntaxKind.ClassKeyword or SyntaxKind.StructKeyword or SyntaxKind.InterfaceKeyword or SyntaxKind.EnumKeyword
            or SyntaxKind.RecordKeyword or SyntaxKind.NamespaceKeyword)
        {
            // 'where T : class' and 'record struct' are not declarations.
            if (!(prev.IsKind(SyntaxKind.ClassKeyword) && prev.Parent is ClassOrStructConstraintSyntax) && !(prev.IsKind(SyntaxKind.StructKeyword) && prev.Parent is ClassOrStructConstraintSyntax))
                return Make(SemanticContext.NewName, [], []);
        }
        // 'yield' goes on with 'return' or 'break' only.
        if (prev.IsKind(SyntaxKind.YieldKeyword) || prev.IsKind(SyntaxKind.IdentifierToken) && prev.ValueText == "yield" && prev.Parent?.Parent is ExpressionStatementSyntax)
            return Make(SemanticContext.Scope, [], ["return", "break"]);
        if (EndsType(model, prev, ct)) return Make(SemanticContext.NewName, [], []);

        if (InParameterList(prev)) return Make(SemanticContext.TypeOnly, WithTypeParameters(Types(model, at, ct), prev), Keywords.Parameter);
        if (IsTypeOnlyPosition(prev)) return Make(SemanticContext.TypeOnly, Types(model, at, ct, Created(model, prev, at, ct)), TypeOnlyKeywords(prev));
        if (InAttributeName(prev))
            return Make(SemanticContext.TypeOnly, Attributes(model, at, ct), prev.IsKind(SyntaxKind.OpenBracketToken) ? Keywords.AttributeTargets : []);
        var where = Where(prev, position);
        bool boundary = IsMemberBoundary(prev) || SyntaxFacts.IsKeywordKind(prev.Kind()) && IsModifier(prev);
        switch (where)
        {
            case Container.Namespace: return boundary ? Make(SemanticContext.TypeOnly, [], Keywords.NamespaceBody) : null;
            case Container.Enum: return Make(SemanticContext.NewName, [], []);
            case Container.Accessors: return boundary ? Make(SemanticContext.TypeOnly, [], Keywords.Accessors) : null;
        }
        if (where == Container.Type)
        {
            if (boundary) return Make(SemanticContext.TypeOnly, Types(model, at, ct), Keywords.MemberDeclaration);
            return null; // a type's header (its base list is handled above), a constraint: the language model's list
        }
        if (where == Container.CompilationUnit && IsMemberBoundary(prev))
            return Make(SemanticContext.Scope, Scope(model, at, prev, ct), Keywords.TopLevel);
        if (IsAfterExpression(prev) && !IsCast(model, prev, ct) || IsValueName(model, prev, ct))
            return Make(SemanticContext.Scope, [], Keywords.AfterExpression);
        bool statement = where == Container.Block && IsStatementStart(prev);
        return Make(SemanticContext.Scope, Scope(model, at, prev, ct), statement ? StatementKeywords(prev) : Keywords.Expression)
            with { NewNamesToo = MayStartLambda(model, prev, ct) };
    }

    /// <summary>Where a lambda's parameter list may begin or go on: '(' or ',' of a parenthesized expression or tuple,
    /// or of an argument list whose method takes a delegate.</summary>
    private static bool MayStartLambda(Binding model, SyntaxToken prev, CancellationToken ct)
    {
        if (!prev.IsKind(SyntaxKind.OpenParenToken) && !prev.IsKind(SyntaxKind.CommaToken)) return false;
        switch (prev.Parent)
        {
            case ParenthesizedExpressionSyntax or TupleExpressionSyntax: return true;
            case ParameterListSyntax { Parent: ParenthesizedLambdaExpressionSyntax }: return true;
            case ArgumentListSyntax args when args.Parent != null:
                var methods = Callees(model, args.Parent, ct).ToList();
                return methods.Count == 0 || methods.Any(m => m.Parameters.Any(p => p.Type.TypeKind == TypeKind.Delegate || p.Type is INamedTypeSymbol { Name: "Expression", TypeArguments.Length: 1 }));
        }
        return false;
    }

    private static IReadOnlyCollection<string> StatementKeywords(SyntaxToken prev)
    {
        bool elseOk = false, catchOk = false, caseOk = false;
        for (var n = prev.Parent; n != null; n = n.Parent)
        {
            if (n is IfStatementSyntax ifs && ifs.Else == null && ifs.Statement.GetLastToken() == prev) elseOk = true;
            // (A try without catch or finally parses with a missing finally clause.)
            if (n is TryStatementSyntax ts && (ts.Block.CloseBraceToken == prev || ts.Catches.Any(c => c.Block.CloseBraceToken == prev))
                && (ts.Finally == null || ts.Finally.FinallyKeyword.IsMissing)) catchOk = true;
            if (n is SwitchSectionSyntax or SwitchStatementSyntax) { caseOk = true; break; }
            if (n is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) break;
        }
        return Keywords.StatementAfter(elseOk, catchOk, caseOk);
    }

    /// <summary>The last real token that starts before <paramref name="position"/> (missing tokens skipped).</summary>
    internal static SyntaxToken TokenBefore(SyntaxNode root, int position)
    {
        if (position <= 0) return default;
        var t = root.FindToken(Math.Min(position, root.FullSpan.End) - 1 < 0 ? 0 : position - 1);
        while (t.RawKind != 0 && (t.SpanStart >= position || t.IsMissing || t.Span.Length == 0)) t = t.GetPreviousToken();
        return t;
    }

    private static bool IsMemberAccessOperator(SyntaxToken prev, out ExpressionOrType? receiver)
    {
        receiver = null;
        switch (prev.Kind())
        {
            case SyntaxKind.DotToken:
                switch (prev.Parent)
                {
                    case MemberAccessExpressionSyntax ma: receiver = new(ma.Expression, Pointer: false); return true;
                    case QualifiedNameSyntax qn: receiver = new(qn.Left, Pointer: false); return true;
                    case MemberBindingExpressionSyntax mb:
                        for (SyntaxNode? n = mb.Parent; n != null; n = n.Parent)
                            if (n is ConditionalAccessExpressionSyntax ca && ca.WhenNotNull.Span.Contains(mb.Span)) { receiver = new(ca.Expression, Pointer: false, Conditional: true); return true; }
                        return true;
                    default: return true; // a '.' the parser could not place: nothing can be told
                }
            case SyntaxKind.MinusGreaterThanToken:
                if (prev.Parent is MemberAccessExpressionSyntax pm) receiver = new(pm.Expression, Pointer: true);
                return true;
            case SyntaxKind.ColonColonToken:
                if (prev.Parent is AliasQualifiedNameSyntax aq) receiver = new(aq.Alias, Pointer: false);
                return true;
        }
        return false;
    }

    internal sealed record ExpressionOrType(SyntaxNode Node, bool Pointer, bool Conditional = false);

    /// <summary>The receiver's accessible members, or null when it does not bind to a namespace or a real type.</summary>
    private static List<SemanticCandidate>? Members(Binding model, int position, ExpressionOrType receiver, CancellationToken ct)
    {
        var node = receiver.Node;
        var info = model.GetSymbolInfo(node, ct);
        var sym = info.Symbol ?? (info.CandidateSymbols.Length == 1 ? info.CandidateSymbols[0] : null);
        // In 'using A.' only namespaces follow (types too with 'using static' or an alias).
        bool namespacesOnly = node.FirstAncestorOrSelf<UsingDirectiveSyntax>() is { } u && u.StaticKeyword.IsKind(SyntaxKind.None) && u.Alias == null;
        if (sym is INamespaceSymbol ns)
            return ns.GetMembers().Where(m => m is INamespaceSymbol || !namespacesOnly && model.IsAccessible(position, m))
                .Select(m => ToCandidate(m, null, null)).OfType<SemanticCandidate>().ToList();
        // "Color Color": a name that is a type and also a value of that type reaches both kinds of members.
        bool valueToo = sym is ITypeSymbol named && IsValueToo(model, node, named, ct);
        if (sym is ITypeSymbol staticType && !valueToo)
        {
            if (staticType.TypeKind == TypeKind.Error) return null;
            return Distinct(model.LookupStaticMembers(position, (INamespaceOrTypeSymbol)staticType).Where(s => s.CanBeReferencedByName && !InheritedFromRoot(s, staticType))
                .Select(s => ToCandidate(s, staticType, null)));
        }
        var type = model.GetTypeInfo(node, ct).Type;
        if (type == null || type.TypeKind is TypeKind.Error || type.TypeKind == TypeKind.Dynamic) return null;
        if (receiver.Pointer) { if (type is IPointerTypeSymbol p) type = p.PointedAtType; else return null; }
        if (receiver.Conditional && type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nt) type = nt.TypeArguments[0];
        var found = model.LookupSymbols(position, type, includeReducedExtensionMethods: true)
            .Where(s => s.CanBeReferencedByName && s is not INamedTypeSymbol && s is not IMethodSymbol { MethodKind: MethodKind.Destructor } && (!s.IsStatic || s is IMethodSymbol { MethodKind: MethodKind.ReducedExtension }));
        var expected = ExpectedType.After(model, receiver.Node.GetFirstToken().GetPreviousToken(), position, ct);
        var list = Distinct(found.Select(s => Mark(ToCandidate(s, type, null), expected.Count > 0 && ExpectedType.Fits(s, expected, model.Compilation))));
        if (valueToo && sym is ITypeSymbol t2)
            list.AddRange(Distinct(model.LookupStaticMembers(position, (INamespaceOrTypeSymbol)t2).Where(s => s.CanBeReferencedByName).Select(s => ToCandidate(s, t2, null)))
                .Where(c => !list.Any(l => l.Name == c.Name)));
        return list;
    }

    /// <summary>Static members of object, Enum and ValueType reached through another type (JsonToken.ReferenceEquals):
    /// legal, but nobody writes them, and Roslyn's list leaves them out.</summary>
    private static bool InheritedFromRoot(ISymbol s, ITypeSymbol through) =>
        s.ContainingType is { SpecialType: SpecialType.System_Object or SpecialType.System_Enum or SpecialType.System_ValueType } c
        && !SymbolEqualityComparer.Default.Equals(c, through);

    /// <summary>The "Color Color" case: a name that binds to a type and is also a value of that type in scope.</summary>
    private static bool IsValueToo(Binding model, SyntaxNode node, ITypeSymbol type, CancellationToken ct)
    {
        if (node is not IdentifierNameSyntax id) return false;
        foreach (var s in model.LookupSymbols(node.SpanStart, null, id.Identifier.ValueText))
        {
            ITypeSymbol? t = s switch { ILocalSymbol l => l.Type, IParameterSymbol p => p.Type, IFieldSymbol f => f.Type, IPropertySymbol pr => pr.Type, _ => null };
            if (t != null && SymbolEqualityComparer.Default.Equals(t, type)) return true;
        }
        return false;
    }

    private static List<SemanticCandidate> Scope(Binding model, int position, SyntaxToken prev, CancellationToken ct)
    {
        var enclosing = model.GetEnclosingSymbol(position, ct);
        var enclosingType = enclosing as INamedTypeSymbol ?? enclosing?.ContainingType;
        bool staticContext = IsStaticContext(enclosing);
        var list = new List<SemanticCandidate>();
        var expected = prev.RawKind != 0 ? ExpectedType.After(model, prev, position, ct) : [];
        HashSet<string>? fresh = prev.RawKind != 0 ? null : [];
        foreach (var s in model.LookupSymbols(position))
        {
            if (!s.CanBeReferencedByName || s is IMethodSymbol { MethodKind: MethodKind.Destructor }) continue;
            if (staticContext && !s.IsStatic && s.ContainingType != null && s is IFieldSymbol or IPropertySymbol or IMethodSymbol or IEventSymbol
                && s is not IMethodSymbol { MethodKind: MethodKind.LocalFunction }) continue;
            if (ToCandidate(s, enclosingType, null) is { } c)
            {
                c = Mark(c, expected.Count > 0 && ExpectedType.Fits(s, expected, model.Compilation))!;
                if (s is ILocalSymbol or IParameterSymbol && (fresh ??= ExpectedType.FreshNames(prev)).Contains(s.Name)) c = c with { Fresh = true };
                list.Add(c);
            }
        }
        list = Distinct(list);
        if (prev.RawKind != 0) AddNamedArguments(model, prev, list, ct);
        if (prev.RawKind != 0) AddInitializerMembers(model, position, prev, list, ct);
        return list;
    }

    private static bool IsStaticContext(ISymbol? s)
    {
        for (; s != null; s = s.ContainingSymbol)
        {
            if (s is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction } m) { if (m.IsStatic) return true; continue; }
            if (s is IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol) return s.IsStatic;
            if (s is INamedTypeSymbol) return false;
        }
        return false;
    }

    /// <summary>Inside an argument list: the parameter names of the methods being called (named arguments).</summary>
    private static void AddNamedArguments(Binding model, SyntaxToken prev, List<SemanticCandidate> list, CancellationToken ct)
    {
        if (!prev.IsKind(SyntaxKind.OpenParenToken) && !prev.IsKind(SyntaxKind.CommaToken)) return;
        if (prev.Parent is not BaseArgumentListSyntax args || args.Parent == null) return;
        var methods = Callees(model, args.Parent, ct);
        var seen = new HashSet<string>(list.Select(c => c.Name), StringComparer.Ordinal);
        foreach (var m in methods)
            foreach (var p in m.Parameters)
                if (seen.Add(p.Name)) list.Add(new SemanticCandidate(p.Name, CandidateKind.Parameter, $"{p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)} {p.Name} (named argument)", null, null, 1));
    }

    /// <summary>The methods (every overload) or constructors an argument list may belong to.</summary>
    internal static IEnumerable<IMethodSymbol> Callees(Binding model, SyntaxNode call, CancellationToken ct)
    {
        switch (call)
        {
            case InvocationExpressionSyntax inv:
                var group = model.GetMemberGroup(inv.Expression, ct).OfType<IMethodSymbol>().ToList();
                if (group.Count > 0) return group;
                break;
            case BaseObjectCreationExpressionSyntax creation:
                if (model.GetTypeInfo(creation, ct).Type is INamedTypeSymbol { TypeKind: not TypeKind.Error } t) return t.InstanceConstructors;
                break;
        }
        var info = model.GetSymbolInfo(call, ct);
        return (info.Symbol != null ? [info.Symbol] : info.CandidateSymbols.ToArray()).OfType<IMethodSymbol>();
    }

    /// <summary>In an object initializer: the created type's settable members.</summary>
    private static void AddInitializerMembers(Binding model, int position, SyntaxToken prev, List<SemanticCandidate> list, CancellationToken ct)
    {
        if (!prev.IsKind(SyntaxKind.OpenBraceToken) && !prev.IsKind(SyntaxKind.CommaToken)) return;
        if (prev.Parent is not InitializerExpressionSyntax init || init.Parent is not BaseObjectCreationExpressionSyntax creation) return;
        if (model.GetTypeInfo(creation, ct).Type is not { TypeKind: not TypeKind.Error } type) return;
        var seen = new HashSet<string>(list.Select(c => c.Name), StringComparer.Ordinal);
        foreach (var s in model.LookupSymbols(position, type))
        {
            if (s.IsStatic || !s.CanBeReferencedByName) continue;
            bool settable = s is IFieldSymbol { IsReadOnly: false, IsConst: false } || s is IPropertySymbol { IsIndexer: false } pr && (pr.SetMethod != null || pr.Type.AllInterfaces.Any(i => i.Name == "IEnumerable"));
            if (settable && seen.Add(s.Name) && ToCandidate(s, type, null) is { } c) list.Add(c with { Proximity = 0 });
        }
    }

    /// <summary>The declaring method's type parameters (a parameter list is not inside their scope for lookups).</summary>
    private static List<SemanticCandidate> WithTypeParameters(List<SemanticCandidate> types, SyntaxToken prev)
    {
        var tps = prev.Parent?.Ancestors().Select(a => a switch
        {
            MethodDeclarationSyntax m => m.TypeParameterList,
            LocalFunctionStatementSyntax l => l.TypeParameterList,
            DelegateDeclarationSyntax d => d.TypeParameterList,
            _ => null,
        }).FirstOrDefault(t => t != null);
        if (tps == null) return types;
        var seen = new HashSet<string>(types.Select(t => t.Name), StringComparer.Ordinal);
        foreach (var tp in tps.Parameters)
            if (seen.Add(tp.Identifier.ValueText)) types.Add(new SemanticCandidate(tp.Identifier.ValueText, CandidateKind.TypeParameter, $"{tp.Identifier.ValueText} (type parameter)", null, null, 0));
        return types;
    }

    /// <summary>After <c>new</c>: the types the new object may have where it goes (a declared variable, an argument, a
    /// return; an exception after <c>throw</c>); empty elsewhere.</summary>
    private static List<ITypeSymbol> Created(Binding model, SyntaxToken prev, int position, CancellationToken ct)
    {
        if (!prev.IsKind(SyntaxKind.NewKeyword)) return [];
        var before = prev.GetPreviousToken();
        if (!before.IsKind(SyntaxKind.ThrowKeyword)) return ExpectedType.After(model, before, position, ct);
        return model.Compilation.GetTypeByMetadataName("System.Exception") is { } exception ? [exception] : [];
    }

    /// <summary>The types and namespaces in scope; those whose instances are of an <paramref name="instancesOf"/> type are marked.</summary>
    private static List<SemanticCandidate> Types(Binding model, int position, CancellationToken ct, List<ITypeSymbol>? instancesOf = null) =>
        Distinct(model.LookupNamespacesAndTypes(position).Where(s => s.CanBeReferencedByName).Select(s =>
            Mark(ToCandidate(s, null, null), instancesOf is { Count: > 0 } && (s is IAliasSymbol a ? a.Target : s) is INamedTypeSymbol t && ExpectedType.Instances(t, instancesOf))));

    private static SemanticCandidate? Mark(SemanticCandidate? c, bool fits) => c != null && fits ? c with { Fits = true } : c;

    private static List<SemanticCandidate> Attributes(Binding model, int position, CancellationToken ct)
    {
        var list = new List<SemanticCandidate>();
        foreach (var s in model.LookupNamespacesAndTypes(position))
        {
            if (s is INamespaceSymbol) { if (ToCandidate(s, null, null) is { } c) list.Add(c); continue; }
            // An alias of an attribute, or of a type that does not resolve (its package is missing).
            if (s is IAliasSymbol { Target: INamedTypeSymbol at } && (at.TypeKind == TypeKind.Error || IsAttribute(at))) { if (ToCandidate(s, null, null) is { } c) list.Add(c); continue; }
            if (s is not INamedTypeSymbol t || !IsAttribute(t)) continue;
            if (ToCandidate(s, null, null) is { } full) list.Add(full);
            if (t.Name.EndsWith("Attribute", StringComparison.Ordinal) && t.Name.Length > "Attribute".Length && ToCandidate(s, null, null) is { } sc)
                list.Add(sc with { Name = t.Name[..^"Attribute".Length] });
        }
        return Distinct(list);
    }

    private static bool IsAttribute(INamedTypeSymbol t)
    {
        for (var b = t.BaseType; b != null; b = b.BaseType)
            if (b.Name == "Attribute" && b.ContainingNamespace?.Name == "System") return true;
        return false;
    }

    /// <summary>One candidate per name (overloads and partial declarations merged), the first kept.</summary>
    private static List<SemanticCandidate> Distinct(IEnumerable<SemanticCandidate?> items)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<SemanticCandidate>();
        foreach (var c in items)
        {
            if (c == null) continue;
            if (seen.TryGetValue(c.Name, out int i))
            {
                if (c.Proximity < list[i].Proximity) list[i] = list[i] with { Proximity = c.Proximity };
                if (c.Fits && !list[i].Fits) list[i] = list[i] with { Fits = true };
                continue;
            }
            seen[c.Name] = list.Count;
            list.Add(c);
        }
        return list;
    }

    internal static SemanticCandidate? ToCandidate(ISymbol s, ITypeSymbol? near, string? import)
    {
        string name = s.Name;
        if (name.Length == 0 || !SyntaxFacts.IsValidIdentifier(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None) return null;
        var kind = KindOf(s);
        if (kind == null) return null;
        int proximity = s switch
        {
            ILocalSymbol or IParameterSymbol or IRangeVariableSymbol => 0,
            IMethodSymbol { MethodKind: MethodKind.LocalFunction } => 0,
            IMethodSymbol { MethodKind: MethodKind.ReducedExtension } => 2,
            INamespaceSymbol => 3,
            ITypeSymbol => 2,
            _ when near != null && SymbolEqualityComparer.Default.Equals(s.ContainingType?.OriginalDefinition, near.OriginalDefinition) => 1,
            _ => 2,
        };
        return new SemanticCandidate(name, kind.Value, null, import, SymbolIds.Of(s), proximity) { DetailFactory = () => Describe(s), SignatureFactory = () => ShortSignature(s) };
    }

    private static CandidateKind? KindOf(ISymbol s) => s switch
    {
        IAliasSymbol a => KindOf(a.Target),
        INamespaceSymbol => CandidateKind.Namespace,
        ITypeParameterSymbol => CandidateKind.TypeParameter,
        INamedTypeSymbol t => t.TypeKind switch
        {
            TypeKind.Struct => CandidateKind.Struct,
            TypeKind.Interface => CandidateKind.Interface,
            TypeKind.Enum => CandidateKind.Enum,
            TypeKind.Delegate => CandidateKind.Delegate,
            _ => CandidateKind.Class,
        },
        IMethodSymbol => CandidateKind.Method,
        IPropertySymbol => CandidateKind.Property,
        IFieldSymbol f => f.ContainingType?.TypeKind == TypeKind.Enum ? CandidateKind.EnumMember : f.IsConst ? CandidateKind.Constant : CandidateKind.Field,
        IEventSymbol => CandidateKind.Event,
        ILocalSymbol => CandidateKind.Local,
        IParameterSymbol => CandidateKind.Parameter,
        IRangeVariableSymbol => CandidateKind.Local,
        _ => null,
    };

    private static readonly SymbolDisplayFormat Signature = SymbolDisplayFormat.MinimallyQualifiedFormat
        .WithMemberOptions(SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeRef)
        .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName | SymbolDisplayParameterOptions.IncludeParamsRefOut | SymbolDisplayParameterOptions.IncludeDefaultValue)
        .WithMiscellaneousOptions(SymbolDisplayFormat.MinimallyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static string Short(ITypeSymbol t) => t.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    /// <summary>The short form shown beside a name in the list.</summary>
    internal static string? ShortSignature(ISymbol s)
    {
        try
        {
            return s switch
            {
                IMethodSymbol m => "(" + string.Join(", ", m.Parameters.Select(p => $"{Short(p.Type)} {p.Name}")) + ")",
                IPropertySymbol p => ": " + Short(p.Type),
                IFieldSymbol f => ": " + Short(f.Type),
                IEventSymbol e => ": " + Short(e.Type),
                ILocalSymbol l => ": " + Short(l.Type),
                IParameterSymbol p => ": " + Short(p.Type),
                IAliasSymbol a => " = " + a.Target.ToDisplayString(),
                INamedTypeSymbol t when t.ContainingNamespace is { IsGlobalNamespace: false } ns => " " + ns.ToDisplayString(),
                _ => null,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NullReferenceException) { return null; }
    }

    /// <summary>The signature or type of a symbol, as an item's detail.</summary>
    internal static string? Describe(ISymbol s)
    {
        try
        {
            switch (s)
            {
                case INamespaceSymbol ns: return "namespace " + ns.ToDisplayString();
                case INamedTypeSymbol t:
                    string kw = t.TypeKind switch { TypeKind.Struct => "struct", TypeKind.Interface => "interface", TypeKind.Enum => "enum", TypeKind.Delegate => "delegate", _ => t.IsRecord ? "record" : "class" };
                    return $"{kw} {t.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}";
                case IMethodSymbol m:
                    string sig = m.ToDisplayString(Signature);
                    int overloads = m.ContainingType?.GetMembers(m.Name).Count(x => x is IMethodSymbol) ?? 1;
                    return overloads > 1 ? $"{sig} (+{overloads - 1} overload{(overloads > 2 ? "s" : "")})" : sig;
                case ILocalSymbol l: return $"{l.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)} {l.Name} (local)";
                case IParameterSymbol p: return $"{p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)} {p.Name} (parameter)";
                default: return s.ToDisplayString(Signature);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NullReferenceException) { return null; }
    }

    // ---- where the caret is ----

    internal enum Container { CompilationUnit, Namespace, Type, Enum, Block, Accessors, Other }

    /// <summary>The innermost braced construct the position is inside of.</summary>
    internal static Container Where(SyntaxToken prev, int position)
    {
        for (var n = prev.Parent; n != null; n = n.Parent)
        {
            switch (n)
            {
                case BlockSyntax b when Inside(b.OpenBraceToken, b.CloseBraceToken, position): return Container.Block;
                case SwitchStatementSyntax s when Inside(s.OpenBraceToken, s.CloseBraceToken, position): return Container.Block;
                case AccessorListSyntax a when Inside(a.OpenBraceToken, a.CloseBraceToken, position): return Container.Accessors;
                case ArrowExpressionClauseSyntax or EqualsValueClauseSyntax or InitializerExpressionSyntax or AnonymousObjectCreationExpressionSyntax
                    or SwitchExpressionSyntax or ArgumentListSyntax or AttributeArgumentListSyntax or BracketedArgumentListSyntax
                    when n.Span.Start < position && !ClosedBefore(n, position): return Container.Block;
                case EnumDeclarationSyntax e when Inside(e.OpenBraceToken, e.CloseBraceToken, position): return Container.Enum;
                case TypeDeclarationSyntax t when Inside(t.OpenBraceToken, t.CloseBraceToken, position): return Container.Type;
                case NamespaceDeclarationSyntax ns when Inside(ns.OpenBraceToken, ns.CloseBraceToken, position): return Container.Namespace;
                case FileScopedNamespaceDeclarationSyntax fs when fs.SemicolonToken.Span.End <= position: return Container.Namespace;
                case CompilationUnitSyntax: return Container.CompilationUnit;
            }
        }
        return Container.Other;
    }

    private static bool Inside(SyntaxToken open, SyntaxToken close, int position) =>
        !open.IsMissing && open.Span.End <= position && (close.IsMissing || close.SpanStart >= position);

    private static bool ClosedBefore(SyntaxNode n, int position)
    {
        var last = n.GetLastToken(includeZeroWidth: true);
        return !last.IsMissing && last.Span.End <= position && last.Kind() is SyntaxKind.CloseParenToken or SyntaxKind.CloseBraceToken or SyntaxKind.CloseBracketToken or SyntaxKind.SemicolonToken
            || (n is EqualsValueClauseSyntax or ArrowExpressionClauseSyntax && n.Parent?.GetLastToken(includeZeroWidth: true) is { IsMissing: false } pl && pl.Span.End <= position && pl.IsKind(SyntaxKind.SemicolonToken));
    }

    /// <summary>The node that ends at <paramref name="prev"/> is a type (or <c>var</c>): a declaration's name comes next.</summary>
    private static bool EndsType(Binding model, SyntaxToken prev, CancellationToken ct)
    {
        if (prev.Kind() is not (SyntaxKind.IdentifierToken or SyntaxKind.GreaterThanToken or SyntaxKind.CloseBracketToken or SyntaxKind.QuestionToken or SyntaxKind.AsteriskToken)
            && !SyntaxFacts.IsPredefinedType(prev.Kind())) return false;
        SyntaxNode? type = null;
        for (var n = prev.Parent; n != null && n.GetLastToken() == prev; n = n.Parent)
        {
            if (n is TypeSyntax) type = n;
            else if (n is not (ArgumentSyntax)) break;
            if (n.Parent is MemberAccessExpressionSyntax or QualifiedNameSyntax { Left: var _ } && n.Parent.GetLastToken() == prev) continue;
        }
        if (type == null) return false;
        // A name in an expression, a type argument or a base list is no declaration.
        var parent = type.Parent;
        if (parent is TypeArgumentListSyntax or BaseTypeSyntax or TypeConstraintSyntax or CastExpressionSyntax or TypeOfExpressionSyntax or ObjectCreationExpressionSyntax
            or AttributeSyntax or NameEqualsSyntax or NameColonSyntax or DefaultExpressionSyntax or SizeOfExpressionSyntax or ArrayCreationExpressionSyntax
            or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AsExpression }) return false;
        if (prev.IsKind(SyntaxKind.IdentifierToken) && prev.Text == "var" && parent is not MemberAccessExpressionSyntax) return true;
        if (SyntaxFacts.IsPredefinedType(prev.Kind()) && parent is not MemberAccessExpressionSyntax) return true;
        if (parent is VariableDeclarationSyntax or ParameterSyntax or PropertyDeclarationSyntax or MethodDeclarationSyntax or ForEachStatementSyntax
            or DeclarationExpressionSyntax or DeclarationPatternSyntax or CatchDeclarationSyntax or LocalFunctionStatementSyntax or IncompleteMemberSyntax
            or TupleElementSyntax or EventDeclarationSyntax or DelegateDeclarationSyntax or RecursivePatternSyntax) return true;
        var sym = model.GetSymbolInfo(type, ct);
        var s = sym.Symbol ?? (sym.CandidateSymbols.Length == 1 ? sym.CandidateSymbols[0] : null);
        // Only where a statement or a pattern can hold a declaration: "Foo |" at statement level, "is Foo |".
        return s is ITypeSymbol and not ITypeParameterSymbol { } || s is ITypeParameterSymbol
            ? parent is ExpressionStatementSyntax or IsPatternExpressionSyntax or TypePatternSyntax or ConstantPatternSyntax or GlobalStatementSyntax or LocalDeclarationStatementSyntax
                || parent is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.IsExpression } isExpr && isExpr.Right == type
            : false;
    }

    private static bool InParameterList(SyntaxToken prev) =>
        (prev.IsKind(SyntaxKind.OpenParenToken) || prev.IsKind(SyntaxKind.CommaToken) || prev.IsKind(SyntaxKind.OpenBracketToken) || IsParameterModifier(prev))
        && (prev.Parent is ParameterListSyntax or BracketedParameterListSyntax || prev.Parent is ParameterSyntax && IsParameterModifier(prev));

    private static bool IsParameterModifier(SyntaxToken t) => t.Kind() is SyntaxKind.RefKeyword or SyntaxKind.OutKeyword or SyntaxKind.InKeyword or SyntaxKind.ParamsKeyword or SyntaxKind.ThisKeyword or SyntaxKind.ScopedKeyword or SyntaxKind.ReadOnlyKeyword;

    /// <summary>After 'new', 'as', 'typeof(', in a base list, a type argument list or a constraint: only a type.</summary>
    private static bool IsTypeOnlyPosition(SyntaxToken prev)
    {
        var p = prev.Parent;
        switch (prev.Kind())
        {
            case SyntaxKind.NewKeyword: return p is ObjectCreationExpressionSyntax or ArrayCreationExpressionSyntax;
            case SyntaxKind.AsKeyword: return true;
            case SyntaxKind.OpenParenToken: return p is TypeOfExpressionSyntax or SizeOfExpressionSyntax or DefaultExpressionSyntax;
            case SyntaxKind.LessThanToken: return p is TypeArgumentListSyntax;
            case SyntaxKind.ColonToken: return p is BaseListSyntax or TypeParameterConstraintClauseSyntax;
            case SyntaxKind.CommaToken: return p is TypeArgumentListSyntax or BaseListSyntax or TypeParameterConstraintClauseSyntax;
            case SyntaxKind.StackAllocKeyword: return true;
        }
        return false;
    }

    private static IReadOnlyCollection<string> TypeOnlyKeywords(SyntaxToken prev) =>
        prev.Parent is TypeParameterConstraintClauseSyntax ? Keywords.Constraint : Keywords.Types;

    private static bool InAttributeName(SyntaxToken prev) =>
        (prev.IsKind(SyntaxKind.OpenBracketToken) || prev.IsKind(SyntaxKind.CommaToken) || prev.IsKind(SyntaxKind.ColonToken)) && prev.Parent is AttributeListSyntax or AttributeTargetSpecifierSyntax;

    private static bool IsMemberBoundary(SyntaxToken prev) => prev.Kind() switch
    {
        SyntaxKind.OpenBraceToken or SyntaxKind.CloseBraceToken or SyntaxKind.SemicolonToken => true,
        SyntaxKind.CloseBracketToken => prev.Parent is AttributeListSyntax,
        _ => false,
    };

    private static bool IsModifier(SyntaxToken t) => t.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.ProtectedKeyword
        or SyntaxKind.InternalKeyword or SyntaxKind.StaticKeyword or SyntaxKind.ReadOnlyKeyword or SyntaxKind.VirtualKeyword or SyntaxKind.OverrideKeyword
        or SyntaxKind.AbstractKeyword or SyntaxKind.SealedKeyword or SyntaxKind.AsyncKeyword or SyntaxKind.ExternKeyword or SyntaxKind.UnsafeKeyword
        or SyntaxKind.NewKeyword or SyntaxKind.PartialKeyword or SyntaxKind.VolatileKeyword or SyntaxKind.ConstKeyword or SyntaxKind.RequiredKeyword
        or SyntaxKind.FileKeyword;

    private static bool IsStatementStart(SyntaxToken prev) => prev.Kind() switch
    {
        SyntaxKind.OpenBraceToken => prev.Parent is BlockSyntax or SwitchStatementSyntax,
        SyntaxKind.CloseBraceToken => true,
        SyntaxKind.SemicolonToken => prev.Parent is not ForStatementSyntax,
        SyntaxKind.ColonToken => prev.Parent is SwitchLabelSyntax or LabeledStatementSyntax,
        SyntaxKind.CloseParenToken => prev.Parent is IfStatementSyntax or WhileStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax
            or UsingStatementSyntax or LockStatementSyntax or FixedStatementSyntax,
        SyntaxKind.ElseKeyword or SyntaxKind.DoKeyword => true,
        _ => false,
    };

    /// <summary>'(T)' where T is a type: a cast, whose operand comes next.</summary>
    private static bool IsCast(Binding model, SyntaxToken prev, CancellationToken ct) =>
        prev.IsKind(SyntaxKind.CloseParenToken) && prev.Parent is ParenthesizedExpressionSyntax p
        && model.GetSymbolInfo(p.Expression, ct) is { } info && (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) is ITypeSymbol;

    /// <summary>A name that binds to a value (local, parameter, field, property), used as a whole operand: no name follows it.</summary>
    private static bool IsValueName(Binding model, SyntaxToken prev, CancellationToken ct)
    {
        if (!prev.IsKind(SyntaxKind.IdentifierToken) || prev.Parent is not IdentifierNameSyntax id) return false;
        if (id.Parent is MemberAccessExpressionSyntax or QualifiedNameSyntax or TypeArgumentListSyntax || id.Ancestors().Any(a => a is QueryExpressionSyntax)) return false;
        var info = model.GetSymbolInfo(id, ct);
        return info.Symbol is ILocalSymbol or IParameterSymbol or IFieldSymbol or IPropertySymbol or IEventSymbol;
    }

    /// <summary>After a complete operand (a name that is not a type, a literal, a closing bracket): only an operator
    /// keyword (is, as, switch, with, a query clause) continues; no name is legal.</summary>
    private static bool IsAfterExpression(SyntaxToken prev)
    {
        switch (prev.Kind())
        {
            case SyntaxKind.NumericLiteralToken or SyntaxKind.StringLiteralToken or SyntaxKind.CharacterLiteralToken or SyntaxKind.TrueKeyword
                or SyntaxKind.FalseKeyword or SyntaxKind.NullKeyword or SyntaxKind.InterpolatedStringEndToken:
                return prev.Parent is LiteralExpressionSyntax or InterpolatedStringExpressionSyntax;
            case SyntaxKind.CloseParenToken:
                return prev.Parent is InvocationExpressionSyntax or ParenthesizedExpressionSyntax || prev.Parent is ArgumentListSyntax { Parent: InvocationExpressionSyntax or ObjectCreationExpressionSyntax };
            case SyntaxKind.CloseBracketToken:
                return prev.Parent is BracketedArgumentListSyntax { Parent: ElementAccessExpressionSyntax };
            case SyntaxKind.IdentifierToken:
                // A local, field or parameter being used (not declared), outside a query and not a contextual keyword.
                if (prev.Parent is not IdentifierNameSyntax id || id.Parent is QualifiedNameSyntax || prev.Parent.Ancestors().Any(a => a is QueryExpressionSyntax)) return false;
                return id.Parent is ArgumentSyntax or BinaryExpressionSyntax or AssignmentExpressionSyntax or ReturnStatementSyntax or EqualsValueClauseSyntax
                    || id.Parent is MemberAccessExpressionSyntax ma && ma.Name == id;
        }
        return false;
    }

    /// <summary>Where a new <c>using</c> goes: after the last using directive at the top, else at the start of the file.</summary>
    private static (int Offset, string NewLine) ImportInsertPoint(SyntaxNode root)
    {
        string nl = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } s ? s : "\n";
        if (root is not CompilationUnitSyntax cu) return (0, nl);
        if (cu.Usings.Count > 0) return (cu.Usings[^1].FullSpan.End, nl);
        var ns = cu.Members.OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault();
        if (ns != null && ns.Usings.Count > 0) return (ns.Usings[^1].FullSpan.End, nl);
        return (cu.Externs.Count > 0 ? cu.Externs[^1].FullSpan.End : 0, nl);
    }
}
