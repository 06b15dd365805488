using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Viatique.Api.Auth;

/// <summary>
/// Identity's user manager, telling this process's session caches about every change it makes to a
/// user (password, security stamp, roles, lockout, deletion), so the replica that made the change
/// applies it to the user's sessions at once; other replicas see it within
/// <see cref="SessionValidator.MaxStaleness"/>.
/// </summary>
public sealed class ViatiqueUserManager(
    IUserStore<IdentityUser> store,
    IOptions<IdentityOptions> options,
    IPasswordHasher<IdentityUser> passwordHasher,
    IEnumerable<IUserValidator<IdentityUser>> userValidators,
    IEnumerable<IPasswordValidator<IdentityUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<IdentityUser>> logger,
    SessionValidator validator,
    DatabaseTicketStore sessions)
    : UserManager<IdentityUser>(store, options, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    protected override async Task<IdentityResult> UpdateUserAsync(IdentityUser user)
    {
        var result = await base.UpdateUserAsync(user);
        validator.Forget(user.Id);
        return result;
    }

    public override async Task<IdentityResult> DeleteAsync(IdentityUser user)
    {
        var result = await base.DeleteAsync(user);
        validator.Forget(user.Id);
        sessions.Forget(user.Id);
        return result;
    }
}
