using AgentDispatch.Infra.Tests.Arm;

namespace AgentDispatch.Infra.Tests;

/// <summary>
/// What <c>infra/main.bicep</c> deploys with a given set of parameter values (the required ones
/// filled in as azd would), with the lookups the tests share.
/// </summary>
internal sealed class InfraDeployment
{
    public const string FunctionAppType = "Microsoft.Web/sites";
    public const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";

    private readonly Lazy<IReadOnlyList<ArmResource>> _resources;

    private InfraDeployment(ArmTemplateScope main)
    {
        Main = main;
        _resources = new Lazy<IReadOnlyList<ArmResource>>(() => main.DeployedResources().ToList());
    }

    /// <summary>The deployment with every optional parameter at its default.</summary>
    public static InfraDeployment Default() => new(CompiledTemplate.Deploy());

    public static InfraDeployment With(string parameter, object? value) => With(new Dictionary<string, object?> { [parameter] = value });

    public static InfraDeployment With(IReadOnlyDictionary<string, object?> parameters) => new(CompiledTemplate.Deploy(parameters));

    public ArmTemplateScope Main { get; }

    /// <summary>Every resource deployed, modules' included.</summary>
    public IReadOnlyList<ArmResource> Resources => _resources.Value;

    public IEnumerable<ArmResource> OfType(string type)
        => Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public ArmResource Single(string type)
    {
        var matches = OfType(type).ToList();
        return matches.Count == 1
            ? matches[0]
            : throw new InvalidOperationException($"Expected one {type}, found {matches.Count}: {string.Join("; ", matches)}");
    }

    public ArmResource FunctionApp => Single(FunctionAppType);

    public ArmResource Identity => Single("Microsoft.ManagedIdentity/userAssignedIdentities");

    public ArmResource StorageAccount => Single("Microsoft.Storage/storageAccounts");

    public ArmResource KeyVault => Single("Microsoft.KeyVault/vaults");

    public ArmResource ApplicationInsights => Single("Microsoft.Insights/components");

    /// <summary>The Function App's application settings, as the deployment sets them.</summary>
    public ArmObject AppSettings
    {
        get
        {
            var config = OfType("Microsoft.Web/sites/config")
                .Single(c => NameOf(c).EndsWith("/appsettings", StringComparison.OrdinalIgnoreCase));
            return config.Get("properties") as ArmObject
                ?? throw new InvalidOperationException("The app settings are not an object: " + ArmValue.Render(config.Get("properties")));
        }
    }

    /// <summary>The name of a resource as a string (names are known before deployment).</summary>
    public static string NameOf(ArmResource resource)
        => resource.Name as string ?? throw new InvalidOperationException($"{resource} has a name known only at deployment.");

    /// <summary>The last segment of a child resource's name, e.g. the queue's own name.</summary>
    public static string ShortNameOf(ArmResource resource) => NameOf(resource).Split('/')[^1];

    /// <summary>The id of a resource, as <c>resourceId()</c> in its own template gives it.</summary>
    public static ResourceIdValue IdOf(ArmResource resource) => new("resourceId", resource.Type, [resource.Name]);

    /// <summary>A runtime property of a resource, e.g. the identity's <c>principalId</c>, as the deployment reads it.</summary>
    public static RuntimeValue RuntimeProperty(ArmResource resource, string property)
        => new(new ResourceReferenceValue(resource.Type, resource.Name).Text + "." + property);

    /// <summary>The principal id of the app's user-assigned identity.</summary>
    public RuntimeValue IdentityPrincipalId => RuntimeProperty(Identity, "principalId");

    /// <summary>The client id of the app's user-assigned identity.</summary>
    public RuntimeValue IdentityClientId => RuntimeProperty(Identity, "clientId");

    public IEnumerable<ArmResource> RoleAssignmentsTo(object? principalId)
        => OfType(RoleAssignmentType).Where(r => Equals(r.Get("properties.principalId"), principalId));

    /// <summary>The role definition GUID at the end of a role assignment's <c>roleDefinitionId</c>.</summary>
    public static string RoleOf(ArmResource assignment)
    {
        var id = assignment.Get("properties.roleDefinitionId") as ResourceIdValue
            ?? throw new InvalidOperationException($"{assignment} names its role other than with subscriptionResourceId().");
        Assert.Equal("subscriptionResourceId", id.Function);
        Assert.Equal("Microsoft.Authorization/roleDefinitions", id.Type);
        return Assert.IsType<string>(Assert.Single(id.Names));
    }
}
