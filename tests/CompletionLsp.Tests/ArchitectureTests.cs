using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace CompletionLsp.Tests;

/// <summary>
/// The layers of ARCHITECTURE.md, checked on the built assemblies (their metadata, nothing is loaded): which assemblies
/// each project references, and inside Core, which namespaces each namespace's types use (signatures, base types,
/// attributes, and every type, method and field token in method bodies). A layer that reaches up fails here.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Core's layers, bottom up: each namespace may use the ones listed before it, none after it.</summary>
    public static readonly string[] CoreLayers =
    [
        "CompletionLsp.Core.Syntax",
        "CompletionLsp.Core.Corpus",
        "CompletionLsp.Core.Models",
        "CompletionLsp.Core.Engine",
        "CompletionLsp.Core.Eval",
        "CompletionLsp.Core.Training",
    ];

    /// <summary>The projects (by assembly name) and the other projects each may reference.</summary>
    public static readonly Dictionary<string, string[]> Projects = new()
    {
        ["CompletionLsp.Core"] = [],
        ["CompletionLsp.Neural"] = ["CompletionLsp.Core"],
        ["CompletionLsp.Semantic"] = ["CompletionLsp.Core"],
        ["CompletionLsp.Server"] = ["CompletionLsp.Core"],
        // Counting as SQL (DuckDB, Parquet): beside training, for the CLI's `train --engine duckdb`.
        ["CompletionLsp.Sql"] = ["CompletionLsp.Core"],
        // The CLI is the composition root: it plugs neural models and the semantic oracle into the server's engine.
        ["completion-lsp"] = ["CompletionLsp.Core", "CompletionLsp.Neural", "CompletionLsp.Semantic", "CompletionLsp.Server", "CompletionLsp.Sql"],
        // The benchmarks measure the product from above: the CLI's server process, the engine, the networks.
        ["completion-lsp-bench"] = ["CompletionLsp.Core", "CompletionLsp.Neural", "CompletionLsp.Semantic", "CompletionLsp.Server", "completion-lsp"],
    };

    /// <summary>Packages only some projects may reference (by assembly name).</summary>
    public static readonly Dictionary<string, string[]> Packages = new()
    {
        ["StreamJsonRpc"] = ["CompletionLsp.Server"],
        // The neural benchmarks time the networks themselves (tensors in, tensors out).
        ["TorchSharp"] = ["CompletionLsp.Neural", "completion-lsp-bench"],
        ["Microsoft.CodeAnalysis.Workspaces"] = ["CompletionLsp.Semantic"],
        ["Microsoft.CodeAnalysis.CSharp.Workspaces"] = ["CompletionLsp.Semantic"],
        ["Microsoft.CodeAnalysis.Features"] = ["CompletionLsp.Semantic"],
        ["Microsoft.CodeAnalysis.CSharp.Features"] = ["CompletionLsp.Semantic"],
        ["DuckDB.NET.Data"] = ["CompletionLsp.Sql"],
        ["DuckDB.NET.Bindings"] = ["CompletionLsp.Sql"],
        ["Parquet"] = ["CompletionLsp.Sql"],
    };

    public static TheoryData<string> ProjectNames => new(Projects.Keys);

    [Theory]
    [MemberData(nameof(ProjectNames))]
    public void A_project_references_only_the_projects_and_packages_its_layer_may_know(string project)
    {
        var refs = ReferencedAssemblies(AssemblyPath(project));
        var problems = new List<string>();
        foreach (var r in refs.Where(r => r.StartsWith("CompletionLsp.", StringComparison.Ordinal) || r.StartsWith("completion-lsp", StringComparison.Ordinal)))
            if (!Projects[project].Contains(r)) problems.Add($"{project} references {r}");
        foreach (var (package, onlyIn) in Packages)
            if (refs.Contains(package) && !onlyIn.Contains(project)) problems.Add($"{project} references {package} (only {string.Join(", ", onlyIn)} may)");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_project_of_src_is_in_the_table()
    {
        var assemblies = Directory.GetFiles(Path.Combine(Repo.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => System.Xml.Linq.XDocument.Load(p).Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? Path.GetFileNameWithoutExtension(p));
        Assert.All(assemblies, a => Assert.True(Projects.ContainsKey(a), $"{a} is not in ArchitectureTests.Projects: give it a layer"));
    }

    /// <summary>A namespace's layer: its own, or that of the layer it is inside (Models.Counting is in Models).</summary>
    private static int LayerOf(string ns)
    {
        for (int i = CoreLayers.Length - 1; i >= 0; i--)
            if (ns == CoreLayers[i] || ns.StartsWith(CoreLayers[i] + ".", StringComparison.Ordinal)) return i;
        return -1;
    }

    [Fact]
    public void Inside_core_no_namespace_uses_a_layer_above_it()
    {
        var uses = TypeUses(AssemblyPath("CompletionLsp.Core"));
        var problems = new List<string>();
        foreach (var (fromType, fromNs, toType, toNs) in uses)
        {
            int from = LayerOf(fromNs), to = LayerOf(toNs);
            if (from < 0) { problems.Add($"{fromType}: namespace {fromNs} is not in ArchitectureTests.CoreLayers"); continue; }
            if (to > from) problems.Add($"{fromType} ({fromNs}) uses {toType} ({toNs}), a layer above it");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void The_check_sees_uses_in_signatures_bodies_and_lambdas()
    {
        // Known uses of the assembly that a working scan must find (it would pass vacuously otherwise).
        var uses = TypeUses(AssemblyPath("CompletionLsp.Core")).Select(u => (u.FromType, u.ToType)).ToHashSet();
        Assert.Contains(("CompletionLsp.Core.Training.Trainer", "CompletionLsp.Core.Eval.CacheTuner"), uses); // a call in a method body
        Assert.Contains(("CompletionLsp.Core.Engine.LoadedModel", "CompletionLsp.Core.Models.Spacing"), uses); // a property's type
        Assert.Contains(("CompletionLsp.Core.Engine.CompletionEngine", "CompletionLsp.Core.Models.BundleBuilder"), uses);
        Assert.Contains(("CompletionLsp.Core.Corpus.CorpusReader", "CompletionLsp.Core.Syntax.CSharpLexer"), uses); // inside a lambda
    }

    // ---- reading metadata ----

    private static string AssemblyPath(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        Assert.True(File.Exists(path), $"{path} is not next to the tests");
        return path;
    }

    private static HashSet<string> ReferencedAssemblies(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every use of a CompletionLsp type by a type of the assembly (nested and compiler-generated types count
    /// as their outermost type): (from type, its namespace, used type, its namespace).</summary>
    private static List<(string FromType, string FromNs, string ToType, string ToNs)> TypeUses(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var result = new List<(string, string, string, string)>();
        foreach (var th in md.TypeDefinitions)
        {
            var (fromNs, fromName) = Outermost(md, th);
            if (!fromNs.StartsWith("CompletionLsp.", StringComparison.Ordinal)) continue; // <Module>, anonymous and embedded attribute types
            var used = new Collector(md, pe);
            used.TypeDef(th);
            foreach (var (ns, name) in used.Found)
                if (ns.StartsWith("CompletionLsp.", StringComparison.Ordinal) && ns != fromNs)
                    result.Add(($"{fromNs}.{fromName}", fromNs, $"{ns}.{name}", ns));
        }
        return result;
    }

    private static (string Ns, string Name) Outermost(MetadataReader md, TypeDefinitionHandle h)
    {
        var t = md.GetTypeDefinition(h);
        while (t.IsNested) t = md.GetTypeDefinition(t.GetDeclaringType());
        return (md.GetString(t.Namespace), md.GetString(t.Name));
    }

    private static (string Ns, string Name) Outermost(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        while (t.ResolutionScope.Kind == HandleKind.TypeReference) t = md.GetTypeReference((TypeReferenceHandle)t.ResolutionScope);
        return (md.GetString(t.Namespace), md.GetString(t.Name));
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields()
        .Where(f => f.FieldType == typeof(OpCode)).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Collects the types a type definition mentions: its base type, interfaces, attributes, generic
    /// constraints, fields, methods (signatures, locals, IL tokens), properties and events.</summary>
    private sealed class Collector(MetadataReader md, PEReader pe) : ISignatureTypeProvider<int, object?>
    {
        public HashSet<(string Ns, string Name)> Found { get; } = new();

        public void TypeDef(TypeDefinitionHandle h)
        {
            var t = md.GetTypeDefinition(h);
            if (!t.BaseType.IsNil) Entity(t.BaseType);
            foreach (var i in t.GetInterfaceImplementations()) Entity(md.GetInterfaceImplementation(i).Interface);
            Attributes(t.GetCustomAttributes());
            GenericParameters(t.GetGenericParameters());
            foreach (var f in t.GetFields())
            {
                var fd = md.GetFieldDefinition(f);
                fd.DecodeSignature(this, null);
                Attributes(fd.GetCustomAttributes());
            }
            foreach (var m in t.GetMethods()) Method(m);
            foreach (var p in t.GetProperties())
            {
                var pd = md.GetPropertyDefinition(p);
                pd.DecodeSignature(this, null);
                Attributes(pd.GetCustomAttributes());
            }
            foreach (var e in t.GetEvents()) Entity(md.GetEventDefinition(e).Type);
            foreach (var n in t.GetNestedTypes()) TypeDef(n);
        }

        private void Method(MethodDefinitionHandle h)
        {
            var m = md.GetMethodDefinition(h);
            m.DecodeSignature(this, null);
            Attributes(m.GetCustomAttributes());
            GenericParameters(m.GetGenericParameters());
            foreach (var p in m.GetParameters()) Attributes(md.GetParameter(p).GetCustomAttributes());
            if (m.RelativeVirtualAddress == 0) return;
            var body = pe.GetMethodBody(m.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil) md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null);
            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE) code = (short)(0xFE00 | il.ReadByte());
                var op = OpCodesByValue[code];
                switch (op.OperandType)
                {
                    case OperandType.InlineNone: break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.ReadByte(); break;
                    case OperandType.InlineVar: il.ReadInt16(); break;
                    case OperandType.InlineI or OperandType.InlineBrTarget or OperandType.ShortInlineR or OperandType.InlineString: il.ReadInt32(); break;
                    case OperandType.InlineI8 or OperandType.InlineR: il.ReadInt64(); break;
                    case OperandType.InlineSwitch: { int n = il.ReadInt32(); for (int i = 0; i < n; i++) il.ReadInt32(); break; }
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType or OperandType.InlineSig:
                        var handle = MetadataTokens.EntityHandle(il.ReadInt32());
                        if (handle.Kind == HandleKind.StandaloneSignature) md.GetStandaloneSignature((StandaloneSignatureHandle)handle).DecodeMethodSignature(this, null);
                        else Entity(handle);
                        break;
                    default: throw new InvalidOperationException($"operand type {op.OperandType}");
                }
            }
        }

        private void Attributes(CustomAttributeHandleCollection attrs)
        {
            foreach (var a in attrs) Entity(md.GetCustomAttribute(a).Constructor);
        }

        private void GenericParameters(GenericParameterHandleCollection ps)
        {
            foreach (var p in ps)
                foreach (var c in md.GetGenericParameter(p).GetConstraints()) Entity(md.GetGenericParameterConstraint(c).Type);
        }

        private void Entity(EntityHandle h)
        {
            switch (h.Kind)
            {
                case HandleKind.TypeDefinition: Found.Add(Outermost(md, (TypeDefinitionHandle)h)); break;
                case HandleKind.TypeReference: Found.Add(Outermost(md, (TypeReferenceHandle)h)); break;
                case HandleKind.TypeSpecification: md.GetTypeSpecification((TypeSpecificationHandle)h).DecodeSignature(this, null); break;
                case HandleKind.MethodDefinition:
                    {
                        var m = md.GetMethodDefinition((MethodDefinitionHandle)h);
                        Found.Add(Outermost(md, m.GetDeclaringType()));
                        m.DecodeSignature(this, null);
                        break;
                    }
                case HandleKind.FieldDefinition:
                    {
                        var f = md.GetFieldDefinition((FieldDefinitionHandle)h);
                        Found.Add(Outermost(md, f.GetDeclaringType()));
                        f.DecodeSignature(this, null);
                        break;
                    }
                case HandleKind.MemberReference:
                    {
                        var r = md.GetMemberReference((MemberReferenceHandle)h);
                        if (r.Parent.Kind != HandleKind.ModuleReference) Entity(r.Parent);
                        if (r.GetKind() == MemberReferenceKind.Method) r.DecodeMethodSignature(this, null);
                        else r.DecodeFieldSignature(this, null);
                        break;
                    }
                case HandleKind.MethodSpecification:
                    {
                        var s = md.GetMethodSpecification((MethodSpecificationHandle)h);
                        Entity(s.Method);
                        s.DecodeSignature(this, null);
                        break;
                    }
            }
        }

        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) { Found.Add(Outermost(md, handle)); return 0; }
        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) { Found.Add(Outermost(md, handle)); return 0; }
        public int GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, context);
        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetSZArrayType(int elementType) => 0;
        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetPointerType(int elementType) => 0;
        public int GetPinnedType(int elementType) => 0;
        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;
        public int GetGenericTypeParameter(object? context, int index) => 0;
        public int GetGenericMethodParameter(object? context, int index) => 0;
        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }
}
