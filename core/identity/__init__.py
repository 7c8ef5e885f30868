"""Identity: login users, the password and lockout rules, and the one access policy (roles, page
access, allowed actions, field masks) every service checks."""
