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
    "login.locked": "Votre compte est bloqué.",
    "login.locked_title": "Votre compte est bloqué",
    "login.locked_text": (
        "Après plusieurs tentatives de connexion en échec, votre compte est bloqué jusqu'au "
        "{date} à {time}. Passé ce délai, il sera débloqué automatiquement."
    ),
    "login.locked_why": (
        "Identifiant, mot de passe ou code de sécurité erronés : par sécurité, nous bloquons "
        "l'accès pendant {hours} heures. Si vous avez oublié votre mot de passe, vous pouvez le "
        "réinitialiser dès maintenant : cela débloque votre compte."
    ),
    "login.locked_help": (
        "Vous n'êtes pas à l'origine de ces tentatives ? Appelez nos conseillers au {phone}, "
        "{hours}."
    ),
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
    # -- one-time code (idp/login/code_step.py)
    "otp.title": "Code de sécurité",
    "otp.why": (
        "La protection de vos données personnelles est essentielle : à chaque connexion, nous "
        "vous envoyons un code de sécurité à usage unique."
    ),
    "otp.choose": "Où voulez-vous recevoir votre code ?",
    "otp.by_sms": "Par SMS au {destination}",
    "otp.by_email": "Par e-mail à {destination}",
    "otp.send": "Recevoir mon code",
    "otp.choose_channel": "Choisissez comment recevoir votre code.",
    "otp.details_changed": (
        "Votre numéro de portable ou votre e-mail a changé ? Contactez nos conseillers au "
        "{phone}, {hours}, pour mettre à jour vos coordonnées."
    ),
    "otp.sent_sms": "Nous venons d'envoyer un code par SMS au {destination}.",
    "otp.sent_email": "Nous venons d'envoyer un code par e-mail à {destination}.",
    "otp.may_take_a_moment": (
        "L'envoi du code peut prendre quelques instants. Il est valable 5 minutes."
    ),
    "otp.code": "Code de sécurité (6 chiffres)",
    "otp.resend_hint": "Un nouveau code remplace le précédent, qui ne fonctionnera plus.",
    "otp.resend_wait": "Vous pourrez en demander un dans {seconds} secondes.",
    "otp.resend": "Renvoyer un code",
    "otp.other_channel": "Recevoir le code autrement",
    "otp.not_received": "Vous ne recevez pas le code ?",
    "otp.not_received_text": (
        "Vérifiez que votre numéro de portable et votre e-mail sont à jour, et consultez vos "
        "courriers indésirables. Sinon, nos conseillers sont à votre écoute au {phone}, {hours}."
    ),
    "otp.wrong": "Code incorrect. Il vous reste {attempts} essai(s) avec ce code.",
    "otp.unusable": (
        "Ce code n'est plus valable (expiré, déjà utilisé ou trop d'essais). "
        "Demandez un nouveau code."
    ),
    "otp.resend_too_soon": "Patientez {seconds} secondes avant de demander un nouveau code.",
    "otp.sms_failed": (
        "Le code n'a pas pu être envoyé par SMS. Réessayez ou choisissez de le recevoir par e-mail."
    ),
    "otp.email_failed": (
        "Le code n'a pas pu être envoyé par e-mail. Réessayez ou choisissez de le recevoir par SMS."
    ),
    "otp.no_contact_title": "Nous ne pouvons pas vous envoyer de code",
    "otp.no_contact_text": (
        "Aucun numéro de portable ni aucune adresse e-mail ne figure dans votre dossier. "
        "Contactez nos conseillers au {phone}, {hours} : ils mettront vos coordonnées à jour."
    ),
    "otp.back_to_service": "Revenir au service",
    # -- self-service (idp/selfservice)
    "form.required": "Ce champ est obligatoire.",
    "form.bad_date": "Indiquez une date au format JJ/MM/AAAA.",
    "form.bad_member_number": "Le n° d'adhérent ne contient que des chiffres.",
    "form.fix_errors": "Corrigez les champs signalés ci-dessous.",
    "form.validate": "Valider",
    "error.rate_limited": "Trop de tentatives. Réessayez dans {minutes} minute(s).",
    "error.rate_limited_title": "Merci de patienter",
    "error.delivery_failed": "Le message n'a pas pu être envoyé.",
    "email.spam_hint": (
        "Pensez à consulter vos courriers indésirables (spams) si vous ne le trouvez pas."
    ),
    "activation.title": "Activer mon espace adhérent",
    "activation.intro": (
        "Renseignez les quatre champs obligatoires pour recevoir votre e-mail d'activation."
    ),
    "activation.member_number": "N° d'adhérent",
    "activation.member_number_help": "Il figure sur votre attestation de droit au tiers payant.",
    "activation.last_name": "Nom",
    "activation.first_name": "Prénom",
    "activation.birth_date": "Date de naissance",
    "activation.birth_date_help": "Par exemple 12/04/1980.",
    "activation.submit": "Recevoir mon e-mail d'activation",
    "activation.sent_title": "Consultez votre messagerie",
    "activation.sent_text": (
        "Si ces informations correspondent à un adhérent, un e-mail d'activation vient d'être "
        "envoyé à l'adresse enregistrée dans votre dossier."
    ),
    "activation.valid_for": (
        "Le lien qu'il contient est valable {hours} heures et ne fonctionne qu'une fois ; passé ce "
        "délai, recommencez la procédure."
    ),
    "activation.resend_hint": "Rien reçu après quelques minutes ?",
    "activation.resend": "Renvoyer l'e-mail (le lien précédent ne fonctionnera plus)",
    "activation.already_title": "Votre espace est déjà activé",
    "activation.already_text": (
        "Vous pouvez vous connecter depuis le site ou l'application de votre mutuelle. "
        "Mot de passe oublié ? Vous pouvez le réinitialiser."
    ),
    "activation.no_email_title": "Aucune adresse e-mail dans votre dossier",
    "activation.no_email_text": (
        "Nous ne pouvons pas vous envoyer l'e-mail d'activation. Appelez nos conseillers au "
        "{phone}, {hours} : ils mettront vos coordonnées à jour."
    ),
    "activation.choose_title": "Choisissez votre mot de passe",
    "activation.done_title": "Votre espace est activé",
    "activation.done_text": (
        "Vous pouvez maintenant vous connecter depuis le site ou l'application de votre "
        "mutuelle avec votre n° d'adhérent et ce mot de passe."
    ),
    "link.error_title": "Ce lien ne fonctionne plus",
    "link.invalid": (
        "Ce lien a déjà été utilisé ou a été remplacé par un lien plus récent. "
        "Utilisez le dernier e-mail reçu, ou recommencez la procédure."
    ),
    "link.expired": "Ce lien a expiré. Recommencez la procédure pour en recevoir un nouveau.",
    "link.restart": "Recommencer",
    "delivery.failed_title": "L'e-mail n'a pas pu être envoyé",
    "delivery.failed_text": (
        "Notre service d'envoi ne répond pas pour le moment. Rien n'a été modifié : "
        "réessayez dans quelques minutes."
    ),
    "delivery.retry": "Réessayer",
    "reset.title": "Mot de passe oublié",
    "reset.intro": "Indiquez votre n° d'adhérent ou votre adresse e-mail.",
    "reset.identifier_help": (
        "Si plusieurs adhérents partagent cette adresse, indiquez votre n° d'adhérent."
    ),
    "reset.sent_title": "Consultez votre messagerie",
    "reset.sent_text": (
        "Si un compte correspond, un e-mail de réinitialisation vient d'être envoyé à "
        "l'adresse enregistrée. Cliquez sur « Réinitialiser mon mot de passe » dans cet e-mail."
    ),
    "reset.valid_for": (
        "Le lien est valable {hours} heures et ne fonctionne qu'une fois ; une nouvelle demande "
        "remplace le lien précédent."
    ),
    "reset.choose_title": "Choisissez un nouveau mot de passe",
    "reset.done_title": "Mot de passe modifié",
    "reset.done_text": (
        "Votre nouveau mot de passe est enregistré. Par sécurité, vous avez été déconnecté de "
        "tous vos appareils : reconnectez-vous avec ce nouveau mot de passe."
    ),
    "password.new": "Nouveau mot de passe",
    "password.confirm": "Confirmez le mot de passe",
    "password.hello": "Bonjour {name},",
    "password.fail.mismatch": "Les deux mots de passe saisis sont différents.",
    "account.title": "Mon compte",
    "account.change_password": "Changer mon mot de passe",
    "account.current_password": "Mot de passe actuel",
    "account.current_wrong": "Le mot de passe actuel est incorrect.",
    "account.password_changed_title": "Mot de passe modifié",
    "account.password_changed_text": "Votre nouveau mot de passe est enregistré.",
    "account.back": "Retour à mon compte",
    "account.signed_out_title": "Vous n'êtes pas connecté",
    "account.signed_out_text": (
        "Connectez-vous depuis le site ou l'application de votre mutuelle, puis revenez ici."
    ),
    # -- password policy (idp/accounts/policy.py)
    "password.rules_title": "Votre mot de passe doit respecter ces règles :",
    "password.rule.length": "Entre {min} et {max} caractères",
    "password.rule.classes": (
        "Au moins {count} de ces 4 types : majuscule, minuscule, chiffre, caractère spécial"
    ),
    "password.rule.not_common": "Pas un mot de passe courant (azerty, soleil123…)",
    "password.rule.not_personal": (
        "Sans votre nom, prénom, date de naissance, n° d'adhérent ni adresse e-mail"
    ),
    "password.rule.not_reused": "Différent de vos {count} derniers mots de passe",
    "password.hint.met": "règle respectée",
    "password.hint.unmet": "règle non respectée",
    "password.rejected": "Ce mot de passe ne convient pas. Corrigez les points suivants :",
    "password.fail.too_short": "Votre mot de passe est trop court : {min} caractères minimum.",
    "password.fail.too_long": "Votre mot de passe est trop long : {max} caractères maximum.",
    "password.fail.classes": (
        "Utilisez au moins {count} de ces 4 types : majuscule, minuscule, chiffre, "
        "caractère spécial."
    ),
    "password.fail.common": (
        "Ce mot de passe est trop courant ou connu des pirates : choisissez-en un autre."
    ),
    "password.fail.personal": (
        "Votre mot de passe ne doit contenir ni votre nom, ni votre prénom, ni votre date de "
        "naissance, ni votre n° d'adhérent, ni votre adresse e-mail."
    ),
    "password.fail.reused": (
        "Vous avez déjà utilisé ce mot de passe : choisissez-en un différent de vos {count} "
        "derniers."
    ),
    # -- end password policy
    "passkey.signin": "Se connecter avec Face ID / empreinte",
    "passkey.or_password": "ou avec votre identifiant, votre mot de passe et un code de sécurité",
    "passkey.cancelled": (
        "La connexion par Face ID / empreinte a été annulée ou n'a pas abouti. Réessayez, ou "
        "connectez-vous avec votre mot de passe et un code de sécurité."
    ),
    "passkey.unsupported": (
        "Cet appareil ou ce navigateur ne permet pas la connexion par Face ID / empreinte. "
        "Connectez-vous avec votre mot de passe et un code de sécurité."
    ),
    "passkey.timeout": "Le délai est dépassé. Réessayez.",
    "passkey.network": "La connexion au service a échoué. Vérifiez votre réseau et réessayez.",
    "passkey.failed": (
        "Nous n'avons pas pu vous reconnaître par Face ID / empreinte. Connectez-vous avec votre "
        "mot de passe et un code de sécurité."
    ),
    "passkey.expired": "La demande a expiré. Réessayez.",
    "passkey.offer_title": "Activez la connexion par Face ID / empreinte digitale",
    "passkey.offer_text": (
        "Lors de vos prochaines connexions depuis cet appareil, vous n'aurez plus à saisir votre "
        "identifiant, votre mot de passe ni de code de sécurité : Face ID ou votre empreinte "
        "digitale suffiront."
    ),
    "passkey.offer_private": (
        "Votre visage et votre empreinte restent sur votre appareil : nous ne les recevons jamais."
    ),
    "passkey.offer_accept": "Activer Face ID / empreinte digitale",
    "passkey.offer_later": "Plus tard",
    "passkey.offer_continue": "Continuer",
    "passkey.offer_later_help": "Nous vous le proposerons à nouveau dans {days} jours.",
    "passkey.register_failed": (
        "L'activation n'a pas abouti. Réessayez, ou continuez sans l'activer : vous pourrez le "
        "faire lors d'une prochaine connexion."
    ),
    "passkey.register_cancelled": (
        "L'activation a été annulée. Réessayez, ou continuez sans l'activer."
    ),
    "passkey.already_registered": "Face ID / empreinte est déjà activé sur cet appareil.",
    "passkey.working": "Patientez…",
    # devices (account page)
    "devices.title": "Mes appareils (Face ID / empreinte)",
    "devices.intro": (
        "Ces appareils vous connectent avec Face ID ou votre empreinte, sans mot de passe ni code."
    ),
    "devices.none": (
        "Aucun appareil n'est enregistré. Vous pouvez activer la connexion par Face ID ou "
        "empreinte depuis l'application mobile, après vous être connecté avec votre mot de passe "
        "et un code de sécurité."
    ),
    "devices.added_at": "Ajouté le",
    "devices.last_used": "Dernière utilisation :",
    "devices.never": "jamais",
    "devices.new_name": "Nom de l'appareil",
    "devices.rename": "Renommer",
    "devices.remove": "Retirer cet appareil",
    "devices.remove_help": "Il ne pourra plus servir à vous connecter.",
    "devices.remove_last_help": (
        "C'est votre seul appareil : une fois retiré, vous vous connecterez avec votre mot de "
        "passe et un code de sécurité."
    ),
    "devices.name_required": "Indiquez un nom pour cet appareil.",
    "devices.done_renamed": "L'appareil a été renommé.",
    "devices.done_removed": "L'appareil a été retiré : il ne peut plus servir à vous connecter.",
    "devices.done_removed_last": (
        "L'appareil a été retiré. Vous vous connecterez désormais avec votre mot de passe et un "
        "code de sécurité."
    ),
    "devices.not_found": "Cet appareil n'existe pas ou a déjà été retiré.",
    # native apps
    # logout and sessions
    "logout.confirm_title": "Voulez-vous vous déconnecter de votre espace ?",
    "logout.asked_by": "Le service « {client} » demande à vous déconnecter.",
    "logout.confirm_text": (
        "Vous serez déconnecté de votre espace et des services de votre mutuelle ouverts dans "
        "ce navigateur."
    ),
    "logout.confirm_yes": "Oui, me déconnecter",
    "logout.confirm_no": "Non, rester connecté",
    "logout.signed_out_title": "Vous êtes déconnecté",
    "logout.signed_out_text": (
        "Vous êtes déconnecté de votre espace et des services de votre mutuelle dans ce "
        "navigateur. Vous pouvez fermer cette page."
    ),
    "logout.signed_out_everywhere": (
        "Vous êtes déconnecté de votre espace sur tous vos appareils, y compris dans "
        "l'application mobile. Vous pouvez fermer cette page."
    ),
    "logout.back_to_portal": "Revenir à l'accueil",
    "logout.error_title": "Déconnexion impossible",
    "logout.error_help": (
        "Vous n'avez pas été déconnecté. Fermez cette page et réessayez depuis le service ; si "
        "le problème persiste, contactez nos conseillers."
    ),
    "logout.error.invalid_request": "La demande de déconnexion est invalide.",
    "logout.error.unknown_client": "Le service qui vous a envoyé ici nous est inconnu.",
    "logout.error.client_mismatch": (
        "La demande de déconnexion ne correspond pas au service qui l'a envoyée."
    ),
    "logout.error.no_client": (
        "La demande de déconnexion ne précise pas vers quel service vous renvoyer."
    ),
    "logout.error.redirect_uri": (
        "L'adresse de retour demandée n'est pas autorisée pour ce service."
    ),
    "sessions.title": "Mes connexions en cours",
    "sessions.intro": (
        "Vous êtes connecté à votre espace sur ces appareils. Si vous n'en reconnaissez pas un, "
        "déconnectez-le et changez votre mot de passe."
    ),
    "sessions.this_device": "cet appareil",
    "sessions.device": "{browser} sur {system}",
    "sessions.device_system": "Navigateur sur {system}",
    "sessions.unknown_device": "Appareil non reconnu",
    "sessions.started_at": "Connecté depuis le",
    "sessions.last_active": "Dernière activité :",
    "sessions.ip": "Adresse IP :",
    "sessions.services": "Services utilisés :",
    "sessions.sign_out_device": "Se déconnecter de cet appareil",
    "sessions.sign_out_everywhere": "Se déconnecter partout",
    "sessions.everywhere_help": (
        "Vous serez déconnecté de tous vos appareils, y compris de l'application mobile : il "
        "faudra vous reconnecter partout."
    ),
    "sessions.none": "Aucune connexion en cours.",
    "sessions.done_signed_out": "L'appareil a été déconnecté.",
    "sessions.done_already": "Cet appareil était déjà déconnecté.",
    # access rules and consent
    "access.title": "« {client} » ne vous est pas accessible",
    "access.default_message": "Ce service est réservé à certains contrats que vous ne détenez pas.",
    "access.suggest": "Vos services sont disponibles dans « {client} ».",
    "access.go_to": "Aller à « {client} »",
    "access.no_suggestion": (
        "Pour toute question sur vos contrats, nos conseillers sont à votre écoute."
    ),
    "access.refused": "Votre contrat ne donne pas accès à ce service.",
    "consent.title": "« {client} » demande l'accès à vos informations",
    "consent.intro": "En continuant, vous autorisez « {client} » à recevoir :",
    "consent.scope.openid": "votre identifiant de connexion (sans autre information)",
    "consent.scope.profile": "vos nom, prénom et date de naissance",
    "consent.scope.email": "votre adresse e-mail",
    "consent.scope.phone": "votre numéro de téléphone",
    "consent.scope.member": "votre numéro d'adhérent et la liste de vos contrats",
    "consent.scope.offline_access": (
        "un accès à ces informations même quand vous n'utilisez pas le service, jusqu'à ce "
        "que vous le retiriez"
    ),
    "consent.withdraw_help": (
        "Vous pourrez retirer cette autorisation à tout moment depuis votre compte, rubrique "
        "« Applications connectées »."
    ),
    "consent.allow": "Autoriser",
    "consent.refuse": "Refuser",
    "applications.title": "Applications connectées",
    "applications.intro": (
        "Les services ci-dessous ont reçu votre autorisation ou restent connectés à votre "
        "compte. Retirer l'accès les déconnecte : ils devront vous demander à nouveau."
    ),
    "applications.since": "Connectée depuis le",
    "applications.receives": "Elle reçoit :",
    "applications.offline": "Elle reste connectée même quand vous ne l'utilisez pas.",
    "applications.withdraw": "Retirer l'accès",
    "applications.none": "Aucune application n'est connectée à votre compte.",
    "applications.done_withdrawn": "L'accès a été retiré.",
    "applications.not_found": "Cette application n'est pas connectée à votre compte.",
    "account.applications": "Applications connectées",
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
    "login.locked": "Your account is locked.",
    "login.locked_title": "Your account is locked",
    "login.locked_text": (
        "After several failed sign-in attempts, your account is locked until {date} at {time}. "
        "It will unlock by itself then."
    ),
    "login.locked_why": (
        "Wrong identifier, password or security code: for your security we block access for "
        "{hours} hours. If you forgot your password, you can reset it now: that unlocks your "
        "account."
    ),
    "login.locked_help": ("These attempts were not yours? Call our advisers on {phone}, {hours}."),
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
    # -- one-time code (idp/login/code_step.py)
    "otp.title": "Security code",
    "otp.why": (
        "Protecting your personal data matters: at each sign-in we send you a one-time "
        "security code."
    ),
    "otp.choose": "Where would you like to receive your code?",
    "otp.by_sms": "By text message to {destination}",
    "otp.by_email": "By e-mail to {destination}",
    "otp.send": "Send my code",
    "otp.choose_channel": "Choose how to receive your code.",
    "otp.details_changed": (
        "Your mobile number or e-mail changed? Contact our advisers on {phone}, {hours}, to "
        "update your details."
    ),
    "otp.sent_sms": "We have just sent a code by text message to {destination}.",
    "otp.sent_email": "We have just sent a code by e-mail to {destination}.",
    "otp.may_take_a_moment": "The code may take a moment to arrive. It is valid for 5 minutes.",
    "otp.code": "Security code (6 digits)",
    "otp.resend_hint": "A new code replaces the previous one, which will stop working.",
    "otp.resend_wait": "You can ask for one in {seconds} seconds.",
    "otp.resend": "Send a new code",
    "otp.other_channel": "Receive the code another way",
    "otp.not_received": "Not received the code?",
    "otp.not_received_text": (
        "Check that your mobile number and e-mail are up to date, and look in your spam "
        "folder. Otherwise our advisers are available on {phone}, {hours}."
    ),
    "otp.wrong": "Wrong code. {attempts} attempt(s) left with this code.",
    "otp.unusable": (
        "This code is no longer valid (expired, already used or too many tries). "
        "Ask for a new code."
    ),
    "otp.resend_too_soon": "Please wait {seconds} seconds before asking for a new code.",
    "otp.sms_failed": (
        "The code could not be sent by text message. Try again or choose to receive it by e-mail."
    ),
    "otp.email_failed": (
        "The code could not be sent by e-mail. Try again or choose to receive it by text message."
    ),
    "otp.no_contact_title": "We cannot send you a code",
    "otp.no_contact_text": (
        "There is no mobile number and no e-mail address in your file. Contact our advisers "
        "on {phone}, {hours}: they will update your details."
    ),
    "otp.back_to_service": "Back to the service",
    # -- self-service (idp/selfservice)
    "form.required": "This field is required.",
    "form.bad_date": "Enter a date as DD/MM/YYYY.",
    "form.bad_member_number": "The member number contains digits only.",
    "form.fix_errors": "Please correct the fields marked below.",
    "form.validate": "Confirm",
    "error.rate_limited": "Too many attempts. Try again in {minutes} minute(s).",
    "error.rate_limited_title": "Please wait",
    "error.delivery_failed": "The message could not be sent.",
    "email.spam_hint": "If you cannot find it, check your spam folder.",
    "activation.title": "Activate my member account",
    "activation.intro": "Fill in the four required fields to receive your activation e-mail.",
    "activation.member_number": "Member number",
    "activation.member_number_help": "It is on your third-party payment certificate.",
    "activation.last_name": "Last name",
    "activation.first_name": "First name",
    "activation.birth_date": "Date of birth",
    "activation.birth_date_help": "For example 12/04/1980.",
    "activation.submit": "Send my activation e-mail",
    "activation.sent_title": "Check your mailbox",
    "activation.sent_text": (
        "If these details match a member, an activation e-mail has just been sent to the "
        "address in your file."
    ),
    "activation.valid_for": (
        "Its link is valid for {hours} hours and works once; after that, start again."
    ),
    "activation.resend_hint": "Nothing after a few minutes?",
    "activation.resend": "Send the e-mail again (the previous link will stop working)",
    "activation.already_title": "Your account is already active",
    "activation.already_text": (
        "You can sign in from your mutual's website or app. Forgot your password? You can reset it."
    ),
    "activation.no_email_title": "No e-mail address in your file",
    "activation.no_email_text": (
        "We cannot send you the activation e-mail. Call our advisers on {phone}, {hours}: they "
        "will update your details."
    ),
    "activation.choose_title": "Choose your password",
    "activation.done_title": "Your account is active",
    "activation.done_text": (
        "You can now sign in from your mutual's website or app with your member number and "
        "this password."
    ),
    "link.error_title": "This link no longer works",
    "link.invalid": (
        "This link has already been used or was replaced by a newer one. Use the latest "
        "e-mail you received, or start again."
    ),
    "link.expired": "This link has expired. Please start again to receive a new one.",
    "link.restart": "Start again",
    "delivery.failed_title": "The e-mail could not be sent",
    "delivery.failed_text": (
        "Our mail service is not answering right now. Nothing was changed: try again in a few "
        "minutes."
    ),
    "delivery.retry": "Try again",
    "reset.title": "Forgot your password",
    "reset.intro": "Enter your member number or your e-mail address.",
    "reset.identifier_help": "If several members share this address, enter your member number.",
    "reset.sent_title": "Check your mailbox",
    "reset.sent_text": (
        "If an account matches, a reset e-mail has just been sent to the address on file. "
        "Click “Reset my password” in that e-mail."
    ),
    "reset.valid_for": (
        "The link is valid for {hours} hours and works once; a new request replaces the "
        "previous link."
    ),
    "reset.choose_title": "Choose a new password",
    "reset.done_title": "Password changed",
    "reset.done_text": (
        "Your new password is saved. For your security you were signed out of all your "
        "devices: sign in again with the new password."
    ),
    "password.new": "New password",
    "password.confirm": "Confirm the password",
    "password.hello": "Hello {name},",
    "password.fail.mismatch": "The two passwords you typed are different.",
    "account.title": "My account",
    "account.change_password": "Change my password",
    "account.current_password": "Current password",
    "account.current_wrong": "The current password is incorrect.",
    "account.password_changed_title": "Password changed",
    "account.password_changed_text": "Your new password is saved.",
    "account.back": "Back to my account",
    "account.signed_out_title": "You are not signed in",
    "account.signed_out_text": "Sign in from your mutual's website or app, then come back here.",
    # -- password policy (idp/accounts/policy.py)
    "password.rules_title": "Your password must follow these rules:",
    "password.rule.length": "Between {min} and {max} characters",
    "password.rule.classes": (
        "At least {count} of these 4 types: upper case, lower case, digit, special character"
    ),
    "password.rule.not_common": "Not a common password (qwerty, password123…)",
    "password.rule.not_personal": (
        "Without your last name, first name, date of birth, member number or e-mail address"
    ),
    "password.rule.not_reused": "Different from your last {count} passwords",
    "password.hint.met": "rule met",
    "password.hint.unmet": "rule not met",
    "password.rejected": "This password cannot be used. Please fix the following:",
    "password.fail.too_short": "Your password is too short: at least {min} characters.",
    "password.fail.too_long": "Your password is too long: at most {max} characters.",
    "password.fail.classes": (
        "Use at least {count} of these 4 types: upper case, lower case, digit, special character."
    ),
    "password.fail.common": (
        "This password is too common or known to attackers: please choose another one."
    ),
    "password.fail.personal": (
        "Your password must not contain your last name, first name, date of birth, member "
        "number or e-mail address."
    ),
    "password.fail.reused": (
        "You have used this password before: choose one different from your last {count}."
    ),
    # -- end password policy
    "passkey.signin": "Sign in with Face ID / fingerprint",
    "passkey.or_password": "or with your identifier, your password and a security code",
    "passkey.cancelled": (
        "Sign-in with Face ID / fingerprint was cancelled or did not complete. Try again, or "
        "sign in with your password and a security code."
    ),
    "passkey.unsupported": (
        "This device or browser does not support sign-in with Face ID / fingerprint. Sign in "
        "with your password and a security code."
    ),
    "passkey.timeout": "Time ran out. Try again.",
    "passkey.network": "The service could not be reached. Check your network and try again.",
    "passkey.failed": (
        "We could not recognise you with Face ID / fingerprint. Sign in with your password and "
        "a security code."
    ),
    "passkey.expired": "The request expired. Try again.",
    "passkey.offer_title": "Turn on sign-in with Face ID / fingerprint",
    "passkey.offer_text": (
        "Next time you sign in from this device, you will not need to type your identifier, "
        "password or security code: Face ID or your fingerprint will be enough."
    ),
    "passkey.offer_private": (
        "Your face and fingerprint stay on your device: we never receive them."
    ),
    "passkey.offer_accept": "Turn on Face ID / fingerprint",
    "passkey.offer_later": "Not now",
    "passkey.offer_continue": "Continue",
    "passkey.offer_later_help": "We will offer it again in {days} days.",
    "passkey.register_failed": (
        "Turning it on did not work. Try again, or continue without it: you can turn it on at "
        "a later sign-in."
    ),
    "passkey.register_cancelled": "Turning it on was cancelled. Try again, or continue without it.",
    "passkey.already_registered": "Face ID / fingerprint is already on for this device.",
    "passkey.working": "Please wait…",
    # devices (account page)
    "devices.title": "My devices (Face ID / fingerprint)",
    "devices.intro": (
        "These devices sign you in with Face ID or your fingerprint, with no password or code."
    ),
    "devices.none": (
        "No device is registered. You can turn on Face ID or fingerprint sign-in from the mobile "
        "app, after signing in with your password and a security code."
    ),
    "devices.added_at": "Added on",
    "devices.last_used": "Last used:",
    "devices.never": "never",
    "devices.new_name": "Device name",
    "devices.rename": "Rename",
    "devices.remove": "Remove this device",
    "devices.remove_help": "It will no longer sign you in.",
    "devices.remove_last_help": (
        "This is your only device: once it is removed, you will sign in with your password and "
        "a security code."
    ),
    "devices.name_required": "Enter a name for this device.",
    "devices.done_renamed": "The device was renamed.",
    "devices.done_removed": "The device was removed: it can no longer sign you in.",
    "devices.done_removed_last": (
        "The device was removed. From now on you will sign in with your password and a security "
        "code."
    ),
    "devices.not_found": "This device does not exist or was already removed.",
    # native apps
    # logout and sessions
    "logout.confirm_title": "Do you want to sign out of your account?",
    "logout.asked_by": "The service “{client}” asks to sign you out.",
    "logout.confirm_text": (
        "You will be signed out of your account and of your mutual's services in this browser."
    ),
    "logout.confirm_yes": "Yes, sign me out",
    "logout.confirm_no": "No, stay signed in",
    "logout.signed_out_title": "You are signed out",
    "logout.signed_out_text": (
        "You are signed out of your account and of your mutual's services in this browser. You "
        "can close this page."
    ),
    "logout.signed_out_everywhere": (
        "You are signed out of your account on all your devices, including the mobile app. You "
        "can close this page."
    ),
    "logout.back_to_portal": "Back to the home page",
    "logout.error_title": "Cannot sign out",
    "logout.error_help": (
        "You have not been signed out. Close this page and try again from the service; if the "
        "problem persists, contact our advisers."
    ),
    "logout.error.invalid_request": "The sign-out request is invalid.",
    "logout.error.unknown_client": "The service that sent you here is unknown to us.",
    "logout.error.client_mismatch": (
        "The sign-out request does not match the service that sent it."
    ),
    "logout.error.no_client": "The sign-out request does not say which service to return to.",
    "logout.error.redirect_uri": "The return address requested is not allowed for this service.",
    "sessions.title": "Where I am signed in",
    "sessions.intro": (
        "You are signed in to your account on these devices. If you do not recognise one, sign "
        "it out and change your password."
    ),
    "sessions.this_device": "this device",
    "sessions.device": "{browser} on {system}",
    "sessions.device_system": "Browser on {system}",
    "sessions.unknown_device": "Unrecognised device",
    "sessions.started_at": "Signed in since",
    "sessions.last_active": "Last active:",
    "sessions.ip": "IP address:",
    "sessions.services": "Services used:",
    "sessions.sign_out_device": "Sign out of this device",
    "sessions.sign_out_everywhere": "Sign out everywhere",
    "sessions.everywhere_help": (
        "You will be signed out of all your devices, including the mobile app: you will have to "
        "sign in again everywhere."
    ),
    "sessions.none": "No active sign-in.",
    "sessions.done_signed_out": "The device was signed out.",
    "sessions.done_already": "This device was already signed out.",
    # access rules and consent
    "access.title": "“{client}” is not available to you",
    "access.default_message": "This service is for contracts you do not hold.",
    "access.suggest": "Your services are available in “{client}”.",
    "access.go_to": "Go to “{client}”",
    "access.no_suggestion": "For any question about your contracts, our advisers are here to help.",
    "access.refused": "Your contract does not give access to this service.",
    "consent.title": "“{client}” asks to access your information",
    "consent.intro": "If you continue, you allow “{client}” to receive:",
    "consent.scope.openid": "your sign-in identifier (nothing else)",
    "consent.scope.profile": "your last name, first name and date of birth",
    "consent.scope.email": "your e-mail address",
    "consent.scope.phone": "your phone number",
    "consent.scope.member": "your member number and the list of your contracts",
    "consent.scope.offline_access": (
        "access to this information even when you are not using the service, until you withdraw it"
    ),
    "consent.withdraw_help": (
        "You can withdraw this permission at any time from your account, under "
        "“Connected applications”."
    ),
    "consent.allow": "Allow",
    "consent.refuse": "Refuse",
    "applications.title": "Connected applications",
    "applications.intro": (
        "The services below received your permission or stay connected to your account. "
        "Withdrawing access signs them out: they will have to ask you again."
    ),
    "applications.since": "Connected since",
    "applications.receives": "It receives:",
    "applications.offline": "It stays connected even when you are not using it.",
    "applications.withdraw": "Withdraw access",
    "applications.none": "No application is connected to your account.",
    "applications.done_withdrawn": "Access was withdrawn.",
    "applications.not_found": "This application is not connected to your account.",
    "account.applications": "Connected applications",
}

CATALOGS = {"fr": FR, "en": EN}
