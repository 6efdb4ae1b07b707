namespace Log.QueryNode.Auth;

/// <summary>
/// Authentication on (<c>--auth tokens</c>): the password is a DSQL token (<see cref="DsqlTokenVerifier"/>), admin
/// needs an admin key, any other role a mapping from the key's principal (<see cref="IRoleMappings"/>). Attempts from
/// an address that failed recently wait first (<see cref="FailedLoginThrottle"/>).
/// </summary>
public sealed class TokenAuthenticator(
    DsqlTokenVerifier verifier,
    IRoleMappings mappings,
    FailedLoginThrottle throttle,
    TimeProvider time) : ILoginAuthenticator
{
    public async ValueTask<LoginOutcome> AuthenticateAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        var delay = throttle.DelayFor(attempt.ClientAddress);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        var outcome = await DecideAsync(attempt, cancellationToken);
        if (outcome.Accepted)
        {
            throttle.RecordSuccess(attempt.ClientAddress);
        }
        else
        {
            throttle.RecordFailure(attempt.ClientAddress);
        }
        return outcome;
    }

    private async ValueTask<LoginOutcome> DecideAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        var (key, refusal) = verifier.Verify(attempt.Role, attempt.Password);
        if (refusal is not null)
        {
            return refusal;
        }
        if (attempt.Role != DsqlToken.AdminRole && !await mappings.IsMappedAsync(attempt.Role, key!.Principal, cancellationToken))
        {
            return LoginOutcome.Refuse(Execution.SqlState.InvalidAuthorizationSpecification,
                $"token not accepted for user \"{attempt.Role}\": role {attempt.Role} is not mapped to the key's principal (AWS IAM GRANT {attempt.Role} TO '{key!.Principal}')");
        }
        return LoginOutcome.Accept(key!.Principal);
    }
}
