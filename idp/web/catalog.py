"""Every text a member reads, in French (default) and English. Keys name the page and part."""

from __future__ import annotations

FR: dict[str, str] = {
    "lang.switch": "English",
    "lang.switch_code": "en",
    "page.skip": "Aller au contenu",
    "support.title": "Besoin d'aide ?",
    "support.text": "Nos conseillers sont à votre écoute au {phone}, {hours}.",
    "login.title": "Connexion à votre espace",
    "login.to_client": "pour accéder à « {client} »",
    "login.identifier": "N° d'adhérent ou adresse e-mail",
    "login.identifier_help": "Votre n° d'adhérent figure sur votre attestation de tiers payant.",
    "login.password": "Mot de passe",
    "login.show_password": "Afficher le mot de passe",
    "login.submit": "Se connecter",
    "login.forgot": "Mot de passe oublié ?",
    "login.no_account": "Pas encore de compte ? Activer mon accès",
    "login.invalid_credentials": "Identifiant ou mot de passe incorrect. Vérifiez votre saisie.",
    "login.fields_required": "Renseignez votre identifiant et votre mot de passe.",
    "login.signed_in_title": "Vous êtes connecté",
    "login.signed_in_as": "Connecté en tant que {name}.",
    "home.title": "Votre espace de connexion",
    "home.text": "Cette page sert à vous connecter aux services de votre mutuelle.",
    "error.title": "Un problème est survenu",
    "error.generic": "Nous n'avons pas pu traiter votre demande. Réessayez dans un instant.",
    "error.not_found": "Cette page n'existe pas.",
    "error.method": "Cette action n'est pas possible ici.",
    "error.bad_request": "La demande est incomplète ou invalide.",
    "error.too_large": "La demande est trop volumineuse.",
    "error.csrf": "Votre formulaire a expiré. Rechargez la page et réessayez.",
    "error.interaction_expired_title": "Votre page de connexion a expiré",
    "error.interaction_expired": (
        "Pour votre sécurité, une page de connexion n'est valable que quelques minutes. "
        "Recommencez depuis le service auquel vous souhaitiez accéder."
    ),
    "error.back_to_client": "Revenir à « {client} »",
    "error.authorize_title": "Connexion impossible",
    "error.authorize_invalid": (
        "Le service qui vous a envoyé ici a fait une demande invalide ({error}). "
        "Fermez cette page et réessayez depuis le service ; si le problème persiste, "
        "contactez nos conseillers."
    ),
    "error.config": "Le service est mal configuré.",
    # -- password policy (idp/accounts/policy.py)
    # -- end password policy
}

EN: dict[str, str] = {
    "lang.switch": "Français",
    "lang.switch_code": "fr",
    "page.skip": "Skip to content",
    "support.title": "Need help?",
    "support.text": "Our advisers are available on {phone}, {hours}.",
    "login.title": "Sign in to your account",
    "login.to_client": "to continue to “{client}”",
    "login.identifier": "Member number or e-mail address",
    "login.identifier_help": "Your member number is on your third-party payment certificate.",
    "login.password": "Password",
    "login.show_password": "Show password",
    "login.submit": "Sign in",
    "login.forgot": "Forgot your password?",
    "login.no_account": "No account yet? Activate my access",
    "login.invalid_credentials": "Incorrect identifier or password. Please check and try again.",
    "login.fields_required": "Enter your identifier and your password.",
    "login.signed_in_title": "You are signed in",
    "login.signed_in_as": "Signed in as {name}.",
    "home.title": "Your sign-in service",
    "home.text": "This service signs you in to your mutual's online services.",
    "error.title": "Something went wrong",
    "error.generic": "We could not process your request. Please try again in a moment.",
    "error.not_found": "This page does not exist.",
    "error.method": "This action is not possible here.",
    "error.bad_request": "The request is incomplete or invalid.",
    "error.too_large": "The request is too large.",
    "error.csrf": "Your form has expired. Reload the page and try again.",
    "error.interaction_expired_title": "Your sign-in page has expired",
    "error.interaction_expired": (
        "For your security, a sign-in page is only valid for a few minutes. "
        "Start again from the service you wanted to use."
    ),
    "error.back_to_client": "Back to “{client}”",
    "error.authorize_title": "Sign-in is not possible",
    "error.authorize_invalid": (
        "The service that sent you here made an invalid request ({error}). Close this page "
        "and try again from the service; if the problem persists, contact our advisers."
    ),
    "error.config": "The service is misconfigured.",
    # -- password policy (idp/accounts/policy.py)
    # -- end password policy
}

CATALOGS = {"fr": FR, "en": EN}
