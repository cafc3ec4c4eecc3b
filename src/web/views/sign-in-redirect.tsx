// The 401 of /auth/check for a browser: Traefik and Caddy hand it over as it is, so it goes on to the log-in
// page by itself. Both languages, since nothing is known yet of whoever reads it.
export function SignInRedirect({ href }: { href: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content={`0; url=${href}`} />
        <title>Sign in · Connexion</title>
      </head>
      <body>
        <p>
          <a href={href}>Sign in</a> ·{' '}
          <a href={href} lang="fr">
            Se connecter
          </a>
        </p>
      </body>
    </html>
  );
}
