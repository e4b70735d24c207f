import Foundation

/// What a password must be: long rather than complicated, as NCSC guidance advises.
public enum PasswordPolicy {
    public static let minimumLength = 12
    public static let maximumLength = 128

    /// Explains what to fix, or returns nothing when the password is acceptable.
    public static func check(_ password: String, field: String = "password") throws(ValidationFailure) {
        if password.count < minimumLength {
            throw ValidationFailure([field: "Password must be at least \(minimumLength) characters"])
        }
        if password.count > maximumLength {
            throw ValidationFailure([field: "Password must be \(maximumLength) characters or fewer"])
        }
        if Set(password).count < 4 {
            throw ValidationFailure([field: "Password must not repeat the same few characters"])
        }
    }
}
