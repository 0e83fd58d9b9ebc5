namespace Ladle.Core.Plans;

/// <summary>
/// SQL the project's owner runs at the CLI over the store, where every dataset is a view: it is not restricted by
/// the policy (the owner holds the files anyway) but it is audited, its text being what was asked.
/// </summary>
public sealed class TrustedSqlPlan(string sql) : QueryPlan
{
    public string Sql { get; } = sql;

    public override PlanKind Kind => PlanKind.TrustedSql;
    public override IReadOnlyList<PlanRead> Reads => [];
    public override string AuditAction => "sql";
    public override string AuditTarget => "";
    public override string AuditText => Sql;
    public override bool Trusted => true;
}
