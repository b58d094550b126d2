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
    "login.invalid_credentials_last_try": (
        "Identifiant ou mot de passe incorrect. Attention : encore un échec et votre compte "
        "sera bloqué pendant {duration}. Vous avez oublié votre mot de passe ?"
    ),
    "login.attempt_in_progress": (
        "Une tentative de connexion à ce compte est déjà en cours de vérification. "
        "Patientez quelques secondes, puis réessayez."
    ),
    "login.fields_required": "Renseignez votre identifiant et votre mot de passe.",
    "login.locked": "Votre compte est bloqué.",
    "login.locked_title": "Votre compte est bloqué",
    "login.locked_text": (
        "Après plusieurs tentatives de connexion en échec, votre compte est bloqué jusqu'au "
        "{date} à {time}. Passé ce délai, il sera débloqué automatiquement."
    ),
    "login.locked_why": (
        "Identifiant, mot de passe ou code de sécurité erronés : par sécurité, nous bloquons "
        "l'accès pendant {duration}. Si vous avez oublié votre mot de passe, vous pouvez le "
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
    "home.services": "Vos services en ligne",
    "home.open_service": "Aller sur « {client} »",
    # -- ways forward from pages that end a path (templates/errors/_ways.html)
    "ways.sign_in": "Se connecter à mon espace client",
    "ways.restart": "Recommencer la connexion",
    "ways.account": "Retour à mon compte",
    "ways.home": "Retour à l'accueil",
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
        "Le service qui vous a envoyé ici a fait une demande que nous ne pouvons pas traiter. "
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
    "otp.sent_sms": "Code envoyé par SMS au {destination}.",
    "otp.sent_email": "Code envoyé par e-mail à {destination}.",
    "otp.may_take_a_moment.one": (
        "L'envoi du code peut prendre quelques instants. Il est valable {count} minute."
    ),
    "otp.may_take_a_moment.other": (
        "L'envoi du code peut prendre quelques instants. Il est valable {count} minutes."
    ),
    "otp.code": "Code de sécurité (6 chiffres)",
    "otp.resend_hint": "Un nouveau code remplace le précédent, qui ne fonctionnera plus.",
    "otp.resend_wait.one": "Vous pourrez demander un nouveau code dans {count} seconde.",
    "otp.resend_wait.other": "Vous pourrez demander un nouveau code dans {count} secondes.",
    "otp.resend_ready": "Vous pouvez maintenant demander un nouveau code.",
    "otp.still_valid": "Le code déjà envoyé reste valable.",
    "otp.refresh": "Actualiser la page",
    "otp.resend": "Renvoyer un code",
    "otp.other_channel": "Recevoir le code autrement",
    "otp.back_to_code": "Saisir le code déjà reçu",
    "otp.not_me": "Ce n'est pas vous ? Se connecter avec un autre compte",
    "otp.not_received": "Vous ne recevez pas le code ?",
    "otp.not_received_text": (
        "Vérifiez que votre numéro de portable et votre e-mail sont à jour, et consultez vos "
        "courriers indésirables. Sinon, nos conseillers sont à votre écoute au {phone}, {hours}."
    ),
    "otp.wrong.one": "Code incorrect. Il vous reste {count} essai avec ce code.",
    "otp.wrong.other": "Code incorrect. Il vous reste {count} essais avec ce code.",
    "otp.wrong_last_try": (
        "Code incorrect. Attention : encore un échec et votre compte sera bloqué pendant "
        "{duration}. Vérifiez le dernier code reçu ou demandez-en un nouveau."
    ),
    "otp.unusable": (
        "Ce code n'est plus valable (expiré, déjà utilisé ou trop d'essais). "
        "Demandez un nouveau code."
    ),
    "otp.resend_too_soon.one": "Patientez {count} seconde avant de demander un nouveau code.",
    "otp.resend_too_soon.other": "Patientez {count} secondes avant de demander un nouveau code.",
    "otp.sms_failed": (
        "Le code n'a pas pu être envoyé par SMS. Réessayez ou choisissez de le recevoir par e-mail."
    ),
    "otp.email_failed": (
        "Le code n'a pas pu être envoyé par e-mail. Réessayez ou choisissez de le recevoir par SMS."
    ),
    "otp.after_reset": (
        "Votre mot de passe vient d'être réinitialisé depuis votre boîte e-mail : pour cette "
        "connexion, le code de sécurité vous est envoyé par SMS."
    ),
    "otp.after_reset_email_only": (
        "Votre mot de passe vient d'être réinitialisé depuis votre boîte e-mail. Faute de "
        "numéro de portable dans votre dossier, le code vous est envoyé par e-mail, mais "
        "certains services exigeront une vérification renforcée."
    ),
    "otp.sms_risk": (
        "Un SMS peut être détourné si votre ligne est piratée (carte SIM dupliquée) : quand "
        "Face ID ou l'empreinte digitale vous sont proposés, préférez-les."
    ),
    "otp.strong_needed_title": "Une vérification renforcée est nécessaire",
    "otp.strong_needed_text": (
        "Votre mot de passe vient d'être réinitialisé depuis votre boîte e-mail, et ce service "
        "demande un second moyen de vérification qui ne soit pas cette même boîte e-mail. "
        "Aucun numéro de portable ne figure dans votre dossier."
    ),
    "otp.strong_needed_passkey": (
        "Vous avez activé la connexion par Face ID / empreinte digitale : connectez-vous une "
        "fois ainsi dans l'application mobile, et le code par e-mail suffira de nouveau ici."
    ),
    "otp.strong_needed_help": (
        "Appelez nos conseillers au {phone} ({hours}) pour ajouter votre numéro de portable."
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
    "error.rate_limited.one": "Trop de tentatives. Réessayez dans {count} minute.",
    "error.rate_limited.other": "Trop de tentatives. Réessayez dans {count} minutes.",
    "error.rate_limited_title": "Merci de patienter",
    "error.unavailable_title": "Service momentanément indisponible",
    "error.unavailable": (
        "Nous ne pouvons pas traiter votre demande pour le moment. Réessayez dans quelques minutes."
    ),
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
    "activation.name_help": "Exactement comme sur votre carte d'adhérent.",
    "activation.submit": "Recevoir mon e-mail d'activation",
    "activation.sent_title": "Consultez votre messagerie",
    "activation.sent_text": (
        "Si ces informations correspondent à un adhérent, un e-mail d'activation vient d'être "
        "envoyé à l'adresse enregistrée dans votre dossier."
    ),
    "activation.valid_for.one": (
        "Le lien qu'il contient est valable {count} heure et ne fonctionne qu'une fois ; passé ce "
        "délai, recommencez la procédure."
    ),
    "activation.valid_for.other": (
        "Le lien qu'il contient est valable {count} heures et ne fonctionne qu'une fois ; passé "
        "ce délai, recommencez la procédure."
    ),
    "activation.you_entered": "Vous avez indiqué :",
    "activation.check_title": "Rien reçu ?",
    "activation.check_delay": "L'e-mail peut mettre quelques minutes à arriver.",
    "activation.check_intro": "S'il n'arrive pas, vérifiez :",
    "activation.check_names": (
        "votre nom et votre prénom, écrits exactement comme sur votre carte d'adhérent ;"
    ),
    "activation.check_birth_date": "votre date de naissance ;",
    "activation.check_number": "votre n° d'adhérent ;",
    "activation.check_email": (
        "l'adresse e-mail enregistrée dans votre dossier : c'est à elle que l'e-mail est envoyé."
    ),
    "activation.edit": "Corriger mes informations",
    "activation.check_advisers": (
        "Toujours rien ? Nos conseillers sont à votre écoute au {phone}, {hours} : ils "
        "vérifieront avec vous vos informations et votre adresse e-mail."
    ),
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
    "reset.valid_for.one": (
        "Le lien est valable {count} heure et ne fonctionne qu'une fois ; une nouvelle demande "
        "remplace le lien précédent."
    ),
    "reset.valid_for.other": (
        "Le lien est valable {count} heures et ne fonctionne qu'une fois ; une nouvelle demande "
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
    "account.current_wrong_last_try": (
        "Le mot de passe actuel est incorrect. Attention : encore un échec et votre compte "
        "sera bloqué pendant {duration}."
    ),
    "account.sign_out_others": "Me déconnecter de mes autres appareils et applications",
    "account.sign_out_others_help": (
        "Recommandé si vous changez de mot de passe parce que quelqu'un d'autre a pu le "
        "connaître. Cet appareil-ci reste connecté."
    ),
    "account.others_signed_out": "Vos autres appareils et applications ont été déconnectés.",
    "account.password_changed_title": "Mot de passe modifié",
    "account.password_changed_text": "Votre nouveau mot de passe est enregistré.",
    "account.back": "Retour à mon compte",
    "account.sign_out": "Se déconnecter",
    "reauth.title": "Confirmez votre identité",
    "reauth.intro": (
        "Cette modification touche à la façon dont vous vous connectez : saisissez à nouveau "
        "votre mot de passe pour la confirmer."
    ),
    "reauth.password": "Mot de passe",
    "reauth.confirm": "Confirmer",
    "reauth.wrong": "Le mot de passe est incorrect.",
    "reauth.wrong_last_try": (
        "Le mot de passe est incorrect. Attention : encore un échec et votre compte sera "
        "bloqué pendant 24 heures."
    ),
    "reauth.unknown_action": "Cette action n'existe pas. Revenez à votre compte et recommencez.",
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
    "password.rule.not_reused.one": "Différent de votre dernier mot de passe",
    "password.rule.not_reused.other": "Différent de vos {count} derniers mots de passe",
    "password.hint.met": "règle respectée",
    "password.hint.unmet": "règle non respectée",
    "password.retype": (
        "Par sécurité, les mots de passe saisis ont été effacés : saisissez-les à nouveau."
    ),
    "password.caps_lock": "Verrouillage des majuscules activé",
    "password.class.upper": "une majuscule",
    "password.class.lower": "une minuscule",
    "password.class.digit": "un chiffre",
    "password.class.special": "un caractère spécial",
    "password.class.or": "ou",
    "password.classes_missing": "Il manque : {classes}.",
    "password.classes_missing_some": "Il manque {count} de ces types : {classes}.",
    "password.rejected": "Ce mot de passe ne convient pas. Corrigez les points suivants :",
    "password.fail.too_short.one": (
        "Votre mot de passe est trop court : {count} caractère minimum."
    ),
    "password.fail.too_short.other": (
        "Votre mot de passe est trop court : {count} caractères minimum."
    ),
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
    "password.fail.context": (
        "Votre mot de passe ne doit contenir ni le nom de la mutuelle ou de ses services, ni "
        "des mots comme « mutuelle », « adhérent » ou « prévoyance » : ce sont les premiers "
        "que les pirates essaient."
    ),
    "password.fail.reused.one": (
        "Vous avez déjà utilisé ce mot de passe : choisissez-en un différent du précédent."
    ),
    "password.fail.reused.other": (
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
        "Face ID / empreinte ne fonctionne pas avec ce navigateur : utilisez Chrome, Safari ou "
        "Firefox à jour. Vous pouvez aussi vous connecter avec votre mot de passe et un code "
        "de sécurité."
    ),
    "passkey.browsers": (
        "Face ID / empreinte fonctionne avec Chrome, Safari ou Firefox à jour. Pour votre "
        "espace, nous vous recommandons Chrome ou Mozilla Firefox."
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
    "passkey.offer_later_help.one": "Nous vous le proposerons à nouveau dans {count} jour.",
    "passkey.offer_later_help.other": "Nous vous le proposerons à nouveau dans {count} jours.",
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
    "devices.name_invalid": "Ce nom contient des caractères interdits : choisissez-en un autre.",
    "devices.done_renamed": "L'appareil a été renommé.",
    "devices.done_removed": "L'appareil a été retiré : il ne peut plus servir à vous connecter.",
    "devices.done_removed_last": (
        "L'appareil a été retiré. Vous vous connecterez désormais avec votre mot de passe et un "
        "code de sécurité."
    ),
    "devices.not_found": "Cet appareil n'existe pas ou a déjà été retiré.",
    # native apps
    # administration console
    "admin.console": "Console d'administration",
    "admin.nav.label": "Console",
    "admin.nav.home": "Accueil",
    "admin.nav.members": "Adhérents",
    "admin.nav.clients": "Applications",
    "admin.nav.audit": "Journal d'audit",
    "admin.role.admin": "administrateur",
    "admin.role.support": "conseiller",
    "admin.logout": "Se déconnecter",
    "admin.back_home": "Retour à l'accueil de la console",
    "admin.cancel": "Annuler",
    "admin.yes": "oui",
    "admin.no": "non",
    "admin.not_found": "Cette page n'existe pas ou l'élément demandé a été supprimé.",
    "admin.staff.rejected": "Ce compte de la console ne peut pas être créé.",
    "admin.done.enrolled": "Votre compte est prêt : application d'authentification enregistrée.",
    "admin.done.signed_out": "Vous êtes déconnecté de la console.",
    "admin.done.expired": "La connexion a pris trop de temps : recommencez.",
    "admin.done.unlocked": "Le compte de l'adhérent est débloqué.",
    "admin.done.not_locked": "Le compte de l'adhérent n'était pas bloqué.",
    "admin.done.contact_changed": (
        "Coordonnées corrigées ; l'adhérent en est informé par e-mail (ancienne et nouvelle "
        "adresse)."
    ),
    "admin.done.contact_unchanged": (
        "Aucune modification : ces coordonnées étaient déjà enregistrées."
    ),
    "admin.done.activation_sent": "Un nouvel e-mail d'activation a été envoyé à l'adhérent.",
    "admin.done.sessions_ended": "L'adhérent est déconnecté de tous ses appareils.",
    "admin.done.device_removed": "L'appareil a été retiré du compte de l'adhérent.",
    "admin.done.created": "L'application a été créée.",
    "admin.done.updated": "Les réglages de l'application ont été enregistrés.",
    "admin.done.disabled": "L'application est désactivée : plus personne ne peut s'y connecter.",
    "admin.done.enabled": "L'application est réactivée.",
    "admin.done.deleted": "L'application a été supprimée.",
    "admin.login.title": "Connexion à la console",
    "admin.login.lead": "Réservée aux administrateurs et aux conseillers de la mutuelle.",
    "admin.login.email": "Adresse e-mail professionnelle",
    "admin.login.password": "Mot de passe",
    "admin.login.submit": "Continuer",
    "admin.login.help": (
        "Pas encore de compte, ou téléphone perdu ? Un administrateur vous envoie un lien de "
        "configuration (idp staff create / idp staff reset)."
    ),
    "admin.login.invalid": "Adresse e-mail ou mot de passe incorrect.",
    "admin.login.fields_required": "Renseignez votre adresse e-mail et votre mot de passe.",
    "admin.code.title": "Code de votre application d'authentification",
    "admin.code.lead": (
        "Ouvrez votre application d'authentification et saisissez le code à 6 chiffres "
        "affiché pour la console."
    ),
    "admin.code.label": "Code à 6 chiffres",
    "admin.code.submit": "Se connecter",
    "admin.code.restart": "Recommencer la connexion",
    "admin.totp.invalid": (
        "Code incorrect ou déjà utilisé. Attendez le code suivant de votre application puis "
        "réessayez."
    ),
    "admin.setup.title": "Configurer votre compte de la console",
    "admin.setup.step1": "Étape 1 sur 2 : choisissez votre mot de passe.",
    "admin.setup.rule_not_email": "Sans votre adresse e-mail",
    "admin.setup.password_personal": (
        "Votre mot de passe ne doit pas contenir votre adresse e-mail."
    ),
    "admin.setup.next": "Continuer",
    "admin.setup.totp_title": "Enregistrer votre application d'authentification",
    "admin.setup.step2": (
        "Étape 2 sur 2 : chaque connexion demandera un code de votre application "
        "d'authentification (Google Authenticator, Microsoft Authenticator, FreeOTP…)."
    ),
    "admin.setup.scan": "Dans l'application, ajoutez un compte en scannant ce QR code :",
    "admin.setup.qr_title": "QR code à scanner avec votre application d'authentification",
    "admin.setup.manual": "ou saisissez cette clé à la main :",
    "admin.setup.manual_help": "Compte : {account} ; type : basé sur l'heure (TOTP).",
    "admin.setup.confirm": "Saisissez ci-dessous le code affiché par l'application.",
    "admin.setup.finish": "Terminer la configuration",
    "admin.setup.invalid_title": "Lien de configuration invalide",
    "admin.setup.invalid": (
        "Ce lien de configuration n'est plus valable : il a déjà servi, a été remplacé ou a "
        "expiré (24 heures). Demandez-en un nouveau à un administrateur."
    ),
    "admin.home.title": "Console d'administration",
    "admin.home.lead_admin": (
        "Vous pouvez gérer les applications, aider les adhérents et consulter le journal d'audit."
    ),
    "admin.home.lead_support": "Vous pouvez aider les adhérents et consulter le journal d'audit.",
    "admin.home.members": (
        "Rechercher un adhérent, débloquer son compte, corriger ses coordonnées, renvoyer "
        "l'e-mail d'activation."
    ),
    "admin.home.clients": "Enregistrer et gérer les applications qui utilisent la connexion.",
    "admin.home.audit": "Qui a fait quoi, quand et d'où.",
    "admin.forbidden.title": "Accès refusé",
    "admin.forbidden.text": "Votre rôle ne permet pas d'ouvrir cette page.",
    "admin.members.title": "Adhérents",
    "admin.members.query": "N° d'adhérent, nom ou adresse e-mail",
    "admin.members.query_help": "Par exemple 100000001, « dupont claire » ou claire@example.org.",
    "admin.members.search": "Rechercher",
    "admin.members.results": "Résultats : {count}",
    "admin.members.more": "Seuls les {limit} premiers résultats sont affichés : précisez.",
    "admin.members.none": "Aucun adhérent ne correspond à cette recherche.",
    "admin.member.number": "N° d'adhérent",
    "admin.member.name": "Nom",
    "admin.member.birth_date": "Date de naissance",
    "admin.member.state": "État",
    "admin.member.activated": "activé",
    "admin.member.not_activated": "pas encore activé",
    "admin.member.locked": "bloqué",
    "admin.member.contracts": "Contrats",
    "admin.member.account": "Compte",
    "admin.member.activated_at": "activé le {at}",
    "admin.member.lock": "Blocage",
    "admin.member.locked_until": "bloqué jusqu'au {at}",
    "admin.member.not_locked": "non bloqué",
    "admin.member.channels": "Envoi du code de sécurité",
    "admin.member.no_channel": "aucun moyen enregistré",
    "admin.member.actions": "Actions",
    "admin.member.unlock": "Débloquer le compte",
    "admin.member.resend_activation": "Renvoyer l'e-mail d'activation",
    "admin.member.end_sessions": "Déconnecter de tous les appareils ({count})",
    "admin.member.contact": "Corriger les coordonnées",
    "admin.member.contact_help": (
        "Laissez vide ce qui ne change pas. L'adhérent est prévenu par e-mail, à l'ancienne et "
        "à la nouvelle adresse."
    ),
    "admin.member.new_email": "Nouvelle adresse e-mail",
    "admin.member.new_phone": "Nouveau n° de mobile",
    "admin.member.now": "Actuellement : {value}",
    "admin.member.remove_phone": "Supprimer le n° de mobile",
    "admin.member.save_contact": "Enregistrer les coordonnées",
    "admin.member.devices": "Appareils Face ID / empreinte",
    "admin.member.device_dates": "ajouté le {added}, dernière utilisation : {used}",
    "admin.member.remove_device": "Retirer",
    "admin.member.no_devices": "Aucun appareil.",
    "admin.member.sessions": "Connexions en cours",
    "admin.member.session": "depuis le {started}, dernière activité le {seen}",
    "admin.member.no_sessions": "Aucune connexion en cours.",
    "admin.member.recent": "Dernières connexions",
    "admin.member.all_events": "Tout le journal de cet adhérent",
    "admin.member.no_events": "Aucune connexion récente.",
    "admin.member.contact_empty": (
        "Indiquez une nouvelle adresse e-mail ou un nouveau n° de mobile."
    ),
    "admin.member.contact_invalid_email": "Cette adresse e-mail n'est pas valide.",
    "admin.member.contact_invalid_phone": (
        "Ce n° de téléphone n'est pas valide (format 06 12 34 56 78 ou +33 6 12 34 56 78)."
    ),
    "admin.member.already_active": "Le compte de cet adhérent est déjà activé.",
    "admin.member.no_email": (
        "Aucune adresse e-mail enregistrée : corrigez d'abord les coordonnées de l'adhérent."
    ),
    "admin.member.device_not_found": "Cet appareil n'existe pas ou a déjà été retiré.",
    "admin.contract.health": "santé",
    "admin.contract.provident": "prévoyance",
    "admin.channel.sms": "SMS au",
    "admin.channel.email": "e-mail à",
    "admin.audit.title": "Journal d'audit",
    "admin.audit.at": "Date",
    "admin.audit.event": "Événement",
    "admin.audit.client": "Application (client_id)",
    "admin.audit.ip": "Adresse IP",
    "admin.audit.actor": "Auteur",
    "admin.audit.detail": "Détails",
    "admin.audit.event_help": "Exact (client.created) ou début suivi de * (login.*).",
    "admin.audit.actor_help": "staff:adresse e-mail, client:client_id ou cli.",
    "admin.audit.since": "Du",
    "admin.audit.until": "Au (inclus)",
    "admin.audit.search": "Rechercher",
    "admin.audit.events": "Événements, du plus récent au plus ancien",
    "admin.audit.none": "Aucun événement ne correspond.",
    "admin.audit.newest": "Événements les plus récents",
    "admin.audit.older": "Événements plus anciens",
    "admin.audit.bad_date": "Date invalide : utilisez le format AAAA-MM-JJ.",
    "admin.audit.bad_text": "Un filtre contenait des caractères de contrôle : il a été ignoré.",
    "admin.clients.title": "Applications",
    "admin.clients.new": "Enregistrer une application",
    "admin.clients.none": "Aucune application.",
    "admin.client.name": "Nom",
    "admin.client.type": "Type",
    "admin.client.state": "État",
    "admin.client.type_confidential": "confidentielle (avec secret)",
    "admin.client.type_public": "publique (appli mobile, PKCE)",
    "admin.client.type_confidential_help": (
        "Un site ou un service qui garde un secret côté serveur."
    ),
    "admin.client.type_public_help": "Une application installée : pas de secret, PKCE obligatoire.",
    "admin.client.disabled": "désactivée",
    "admin.client.enabled": "active",
    "admin.client.managed_by_file": "géré par clients.yaml",
    "admin.client.read_only_help": (
        "lecture seule : modifiez clients.yaml puis lancez idp clients sync."
    ),
    "admin.client.read_only": (
        "Cette application est gérée par clients.yaml : modifiez le fichier puis lancez "
        "idp clients sync."
    ),
    "admin.client.no_secret": "Une application publique n'a pas de secret.",
    "admin.client.second_factor": "Code de sécurité",
    "admin.client.second_factor_always": "à chaque connexion",
    "admin.client.second_factor_new_device": "seulement sur un nouvel appareil",
    "admin.client.webauthn": "Face ID / empreinte",
    "admin.client.webauthn_never": "jamais proposé",
    "admin.client.webauthn_offer": "proposé après une connexion complète",
    "admin.client.consent": "Consentement",
    "admin.client.consent_implicit": "implicite (application de la mutuelle)",
    "admin.client.consent_explicit": "demandé à l'adhérent",
    "admin.client.access": "Accès réservé",
    "admin.client.access_all": "tous les adhérents",
    "admin.client.access_contract": "Contrat requis",
    "admin.client.access_message": "Message aux adhérents sans ce contrat",
    "admin.client.access_suggest": "Application à leur proposer (client_id)",
    "admin.client.default": "valeur par défaut",
    "admin.client.grace": "Ancien secret accepté jusqu'au",
    "admin.client.created": "Créée le",
    "admin.client.edit": "Modifier",
    "admin.client.rotate": "Générer un nouveau secret",
    "admin.client.rotate_help": (
        "L'ancien secret reste accepté pendant la période de transition, le temps de "
        "déployer le nouveau."
    ),
    "admin.client.disable": "Désactiver",
    "admin.client.enable": "Réactiver",
    "admin.client.delete": "Supprimer",
    "admin.client.delete_title": "Supprimer « {name} » ?",
    "admin.client.delete_text": (
        "Plus personne ne pourra se connecter à cette application ; ses jetons de "
        "rafraîchissement et les consentements des adhérents sont supprimés. Cette action est "
        "définitive."
    ),
    "admin.client.delete_confirm": "Oui, supprimer définitivement",
    "admin.client.edit_title": "Modifier l'application",
    "admin.client.new_title": "Enregistrer une application",
    "admin.client.rejected": "Ces réglages ne sont pas valides :",
    "admin.client.client_id_help": "Laissez vide pour en générer un.",
    "admin.client.redirect_uris": "URI de redirection",
    "admin.client.one_per_line": "Une par ligne, https:// (http:// seulement en local).",
    "admin.client.logout_uris": "URI de retour après déconnexion",
    "admin.client.backchannel": "URI de déconnexion back-channel",
    "admin.client.client_uri": "Page d'accueil de l'application",
    "admin.client.scopes": "Scopes autorisés",
    "admin.client.grant_types": "Types d'autorisation",
    "admin.client.require_pkce": "PKCE obligatoire",
    "admin.client.lifetimes": "Durées de vie des jetons (secondes)",
    "admin.client.ttl_help": "Laissez vide pour la valeur par défaut du fournisseur.",
    "admin.client.save": "Enregistrer",
    "admin.client.create": "Créer l'application",
    "admin.scope.openid": "connexion",
    "admin.scope.profile": "nom, prénom, date de naissance",
    "admin.scope.email": "adresse e-mail",
    "admin.scope.phone": "n° de téléphone",
    "admin.scope.member": "n° d'adhérent et contrats",
    "admin.scope.offline_access": "accès prolongé (jeton de rafraîchissement)",
    "admin.scope.idp_admin": "API d'administration : tout",
    "admin.scope.idp_support": "API d'administration : aide aux adhérents",
    "admin.secret.title": "Secret de l'application",
    "admin.secret.created": "L'application « {name} » a été créée.",
    "admin.secret.rotated": "Un nouveau secret a été généré pour « {name} ».",
    "admin.secret.once": (
        "Copiez ce secret maintenant et transmettez-le à l'équipe de l'application par un "
        "canal sûr : il ne sera plus jamais affiché."
    ),
    "admin.secret.grace": "L'ancien secret reste accepté jusqu'au {until}.",
    "admin.secret.continue": "J'ai copié le secret : voir l'application",
    "admin.done.key_added": "La clé de sécurité est enregistrée : elle peut remplacer le code.",
    "admin.done.key_removed": "La clé de sécurité a été retirée.",
    "admin.nav.account": "Mon compte",
    "admin.account.title": "Mon compte",
    "admin.account.lead": "{email} · {role}",
    "admin.account.keys": "Clés de sécurité",
    "admin.account.keys_help": (
        "Une clé de sécurité (YubiKey, Titan…) peut remplacer le code de votre application "
        "d'authentification à la connexion. L'application reste utilisable."
    ),
    "admin.account.key_dates": "ajoutée le {added}, dernière utilisation : {used}",
    "admin.account.remove_key": "Retirer",
    "admin.account.no_keys": "Aucune clé de sécurité.",
    "admin.account.key_name": "Nom de la clé",
    "admin.account.key_default_name": "Clé de sécurité",
    "admin.account.add_key": "Ajouter une clé de sécurité",
    "admin.account.keys_unavailable": (
        "Les clés de sécurité demandent que la console soit servie sous un nom de domaine, "
        "pas une adresse IP."
    ),
    "admin.key.failed": "La clé de sécurité n'a pas été reconnue. Réessayez ou saisissez le code.",
    "admin.key.not_found": "Cette clé de sécurité n'existe pas ou a déjà été retirée.",
    "admin.key.exists": "Cette clé de sécurité est déjà enregistrée.",
    "admin.key.network": "La console ne répond pas. Vérifiez la connexion et réessayez.",
    "admin.key.cancelled": "Opération annulée ou clé non reconnue. Réessayez.",
    "admin.key.or": "ou",
    "admin.key.use": "Utiliser ma clé de sécurité",
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
    "sessions.device": "{system} — {browser}",
    "sessions.device_system": "{system} — navigateur",
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
    # recent activity and "ce n'était pas moi" (idp/selfservice/activity.py)
    "activity.title": "Mon activité récente",
    "activity.intro": (
        "Vos dernières connexions et les tentatives refusées sur votre compte, "
        "de la plus récente à la plus ancienne."
    ),
    "activity.signed_in_to": "Connexion à {portal}",
    "activity.signed_in": "Connexion",
    "activity.refused_password": "Tentative refusée : mot de passe incorrect",
    "activity.refused_code": "Tentative refusée : code de sécurité incorrect",
    "activity.device": "Appareil :",
    "activity.portal": "Service :",
    "activity.place": "Lieu approximatif :",
    "activity.none": "Aucune connexion récente.",
    "activity.back": "Retour à mon activité récente",
    "activity.not_me_title": "Vous ne reconnaissez pas une connexion ?",
    "activity.not_me_intro": (
        "Changez votre mot de passe maintenant : nous déconnecterons aussi tous vos autres "
        "appareils."
    ),
    "activity.not_me": "Ce n'était pas moi",
    "activity.not_me_lead": (
        "Quelqu'un connaît peut-être votre mot de passe. En un seul geste, nous allons :"
    ),
    "activity.not_me_step_password": "enregistrer votre nouveau mot de passe ;",
    "activity.not_me_step_sign_out": ("déconnecter tous vos autres appareils et applications ;"),
    "activity.not_me_step_notice": "vous envoyer un e-mail de confirmation.",
    "activity.not_me_stay": "Vous restez connecté sur cet appareil.",
    "activity.not_me_submit": "Changer mon mot de passe et tout déconnecter",
    "activity.not_me_forgot": "Vous ne connaissez plus votre mot de passe actuel ?",
    "activity.not_me_done.one": "Votre autre appareil a été déconnecté.",
    "activity.not_me_done.other": "Vos {count} autres appareils ont été déconnectés.",
    "activity.not_me_done_none": "Aucun autre appareil n'était connecté.",
    "activity.not_me_next": (
        "Vérifiez aussi que votre adresse e-mail et votre numéro de mobile sont les bons : "
        "en cas de doute, nos conseillers sont à votre écoute."
    ),
    # access rules and consent
    "access.title": "« {client} » ne vous est pas accessible",
    "access.default_message": "Ce service est réservé à certains contrats que vous ne détenez pas.",
    "access.contract_message": "Ce service est réservé aux adhérents ayant un contrat {contract}.",
    "access.contract.health": "santé",
    "access.contract.provident": "prévoyance",
    "access.suggest": "Vos services sont disponibles dans « {client} ».",
    "access.go_to": "Aller à « {client} »",
    "access.no_suggestion": (
        "Pour toute question sur vos contrats, nos conseillers sont à votre écoute."
    ),
    "access.refused": "Votre contrat ne donne pas accès à ce service.",
    "consent.title": "« {client} » demande l'accès à vos informations",
    "consent.intro": "En continuant, vous autorisez « {client} » à recevoir :",
    "consent.host": "Vos informations seront envoyées au site {host}.",
    "consent.third_party": (
        "Ce service n'est pas proposé par {brand} : il s'est inscrit lui-même. Vérifiez que "
        "vous le connaissez et que l'adresse ci-dessus est la sienne avant d'autoriser."
    ),
    "consent.scope.openid": "votre identifiant de connexion (sans autre information)",
    "consent.scope.profile": "vos nom, prénom et date de naissance",
    "consent.scope.email": "votre adresse e-mail",
    "consent.scope.phone": "votre numéro de téléphone",
    "consent.scope.member": "votre numéro d'adhérent et la liste de vos contrats",
    "consent.scope.offline_access": (
        "un accès à ces informations même quand vous n'utilisez pas le service, pendant "
        "{duration} au plus (vous pouvez le retirer avant)"
    ),
    "duration.years.one": "{count} an",
    "duration.years.other": "{count} ans",
    "duration.days.one": "{count} jour",
    "duration.days.other": "{count} jours",
    "duration.hours.one": "{count} heure",
    "duration.hours.other": "{count} heures",
    "duration.minutes.one": "{count} minute",
    "duration.minutes.other": "{count} minutes",
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
    "login.invalid_credentials_last_try": (
        "Incorrect identifier or password. Careful: one more failure and your account will be "
        "locked for {duration}. Forgotten your password?"
    ),
    "login.attempt_in_progress": (
        "A sign-in to this account is already being checked. Wait a few seconds, then try again."
    ),
    "login.fields_required": "Enter your identifier and your password.",
    "login.locked": "Your account is locked.",
    "login.locked_title": "Your account is locked",
    "login.locked_text": (
        "After several failed sign-in attempts, your account is locked until {date} at {time}. "
        "It will unlock by itself then."
    ),
    "login.locked_why": (
        "Wrong identifier, password or security code: for your security we block access for "
        "{duration}. If you forgot your password, you can reset it now: that unlocks your "
        "account."
    ),
    "login.locked_help": ("These attempts were not yours? Call our advisers on {phone}, {hours}."),
    "login.signed_in_title": "You are signed in",
    "login.signed_in_as": "Signed in as {name}.",
    "home.title": "Your sign-in service",
    "home.text": "This service signs you in to your mutual's online services.",
    "home.services": "Your online services",
    "home.open_service": "Go to “{client}”",
    # -- ways forward from pages that end a path (templates/errors/_ways.html)
    "ways.sign_in": "Sign in to my online account",
    "ways.restart": "Start signing in again",
    "ways.account": "Back to my account",
    "ways.home": "Back to the home page",
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
        "The service that sent you here made a request we cannot process. Close this page "
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
    "otp.sent_sms": "Code sent by text message to {destination}.",
    "otp.sent_email": "Code sent by e-mail to {destination}.",
    "otp.may_take_a_moment.one": (
        "The code may take a moment to arrive. It is valid for {count} minute."
    ),
    "otp.may_take_a_moment.other": (
        "The code may take a moment to arrive. It is valid for {count} minutes."
    ),
    "otp.code": "Security code (6 digits)",
    "otp.resend_hint": "A new code replaces the previous one, which will stop working.",
    "otp.resend_wait.one": "You can ask for a new code in {count} second.",
    "otp.resend_wait.other": "You can ask for a new code in {count} seconds.",
    "otp.resend_ready": "You can now ask for a new code.",
    "otp.still_valid": "The code already sent still works.",
    "otp.refresh": "Refresh the page",
    "otp.resend": "Send a new code",
    "otp.other_channel": "Receive the code another way",
    "otp.back_to_code": "Enter the code already received",
    "otp.not_me": "Not you? Sign in with another account",
    "otp.not_received": "Not received the code?",
    "otp.not_received_text": (
        "Check that your mobile number and e-mail are up to date, and look in your spam "
        "folder. Otherwise our advisers are available on {phone}, {hours}."
    ),
    "otp.wrong.one": "Wrong code. {count} attempt left with this code.",
    "otp.wrong.other": "Wrong code. {count} attempts left with this code.",
    "otp.wrong_last_try": (
        "Wrong code. Careful: one more failure and your account will be locked for "
        "{duration}. Check the last code you received or ask for a new one."
    ),
    "otp.unusable": (
        "This code is no longer valid (expired, already used or too many tries). "
        "Ask for a new code."
    ),
    "otp.resend_too_soon.one": "Please wait {count} second before asking for a new code.",
    "otp.resend_too_soon.other": "Please wait {count} seconds before asking for a new code.",
    "otp.sms_failed": (
        "The code could not be sent by text message. Try again or choose to receive it by e-mail."
    ),
    "otp.email_failed": (
        "The code could not be sent by e-mail. Try again or choose to receive it by text message."
    ),
    "otp.after_reset": (
        "Your password was just reset from your mailbox: for this sign-in, the security code "
        "is sent to you by SMS."
    ),
    "otp.after_reset_email_only": (
        "Your password was just reset from your mailbox. As no mobile number is on file, the "
        "code is sent by e-mail, but some services will require a stronger verification."
    ),
    "otp.sms_risk": (
        "An SMS can be diverted if your line is hijacked (a duplicated SIM card): when Face ID "
        "or your fingerprint are offered, prefer them."
    ),
    "otp.strong_needed_title": "A stronger verification is needed",
    "otp.strong_needed_text": (
        "Your password was just reset from your mailbox, and this service asks for a second "
        "verification that is not that same mailbox. No mobile number is on file for you."
    ),
    "otp.strong_needed_passkey": (
        "You turned on sign-in with Face ID / fingerprint: sign in that way once in the mobile "
        "app, and the code by e-mail will be enough here again."
    ),
    "otp.strong_needed_help": "Call our advisers on {phone} ({hours}) to add your mobile number.",
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
    "error.rate_limited.one": "Too many attempts. Try again in {count} minute.",
    "error.rate_limited.other": "Too many attempts. Try again in {count} minutes.",
    "error.rate_limited_title": "Please wait",
    "error.unavailable_title": "Service temporarily unavailable",
    "error.unavailable": (
        "We cannot process your request right now. Please try again in a few minutes."
    ),
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
    "activation.name_help": "Exactly as on your membership card.",
    "activation.submit": "Send my activation e-mail",
    "activation.sent_title": "Check your mailbox",
    "activation.sent_text": (
        "If these details match a member, an activation e-mail has just been sent to the "
        "address in your file."
    ),
    "activation.valid_for.one": (
        "Its link is valid for {count} hour and works once; after that, start again."
    ),
    "activation.valid_for.other": (
        "Its link is valid for {count} hours and works once; after that, start again."
    ),
    "activation.you_entered": "You entered:",
    "activation.check_title": "Nothing received?",
    "activation.check_delay": "The e-mail may take a few minutes to arrive.",
    "activation.check_intro": "If it does not arrive, check:",
    "activation.check_names": "your last name and first name, exactly as on your membership card;",
    "activation.check_birth_date": "your date of birth;",
    "activation.check_number": "your member number;",
    "activation.check_email": "the e-mail address in your file: the e-mail is sent there.",
    "activation.edit": "Correct my details",
    "activation.check_advisers": (
        "Still nothing? Our advisers are available on {phone}, {hours}: they will check your "
        "details and your e-mail address with you."
    ),
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
    "reset.title": "Forgot your password",
    "reset.intro": "Enter your member number or your e-mail address.",
    "reset.identifier_help": "If several members share this address, enter your member number.",
    "reset.sent_title": "Check your mailbox",
    "reset.sent_text": (
        "If an account matches, a reset e-mail has just been sent to the address on file. "
        "Click “Reset my password” in that e-mail."
    ),
    "reset.valid_for.one": (
        "The link is valid for {count} hour and works once; a new request replaces the "
        "previous link."
    ),
    "reset.valid_for.other": (
        "The link is valid for {count} hours and works once; a new request replaces the "
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
    "account.current_wrong_last_try": (
        "The current password is incorrect. Careful: one more failure and your account will "
        "be locked for {duration}."
    ),
    "account.sign_out_others": "Sign me out of my other devices and applications",
    "account.sign_out_others_help": (
        "Recommended if you change your password because someone else may have known it. "
        "This device stays signed in."
    ),
    "account.others_signed_out": "Your other devices and applications have been signed out.",
    "account.password_changed_title": "Password changed",
    "account.password_changed_text": "Your new password is saved.",
    "account.back": "Back to my account",
    "account.sign_out": "Sign out",
    "reauth.title": "Confirm it is you",
    "reauth.intro": (
        "This change affects how you sign in: type your password again to confirm it."
    ),
    "reauth.password": "Password",
    "reauth.confirm": "Confirm",
    "reauth.wrong": "The password is incorrect.",
    "reauth.wrong_last_try": (
        "The password is incorrect. Careful: one more failure and your account will be "
        "locked for 24 hours."
    ),
    "reauth.unknown_action": "This action does not exist. Go back to your account and try again.",
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
    "password.rule.not_reused.one": "Different from your last password",
    "password.rule.not_reused.other": "Different from your last {count} passwords",
    "password.hint.met": "rule met",
    "password.hint.unmet": "rule not met",
    "password.retype": (
        "For your security, the passwords you typed have been cleared: please type them again."
    ),
    "password.caps_lock": "Caps Lock is on",
    "password.class.upper": "an uppercase letter",
    "password.class.lower": "a lowercase letter",
    "password.class.digit": "a digit",
    "password.class.special": "a special character",
    "password.class.or": "or",
    "password.classes_missing": "Missing: {classes}.",
    "password.classes_missing_some": "Missing {count} of these: {classes}.",
    "password.rejected": "This password cannot be used. Please fix the following:",
    "password.fail.too_short.one": "Your password is too short: at least {count} character.",
    "password.fail.too_short.other": "Your password is too short: at least {count} characters.",
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
    "password.fail.context": (
        "Your password must contain neither the name of the mutual or of its services, nor "
        "words such as “mutuelle”, “adhérent” or “prévoyance”: they are the first that "
        "attackers try."
    ),
    "password.fail.reused.one": (
        "You have used this password before: choose one different from your last one."
    ),
    "password.fail.reused.other": (
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
        "Face ID / fingerprint does not work with this browser: use an up-to-date Chrome, "
        "Safari or Firefox. You can also sign in with your password and a security code."
    ),
    "passkey.browsers": (
        "Face ID / fingerprint works with an up-to-date Chrome, Safari or Firefox. For your "
        "account, we recommend Chrome or Mozilla Firefox."
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
    "passkey.offer_later_help.one": "We will offer it again in {count} day.",
    "passkey.offer_later_help.other": "We will offer it again in {count} days.",
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
    "devices.name_invalid": "This name holds characters that are not allowed: choose another.",
    "devices.done_renamed": "The device was renamed.",
    "devices.done_removed": "The device was removed: it can no longer sign you in.",
    "devices.done_removed_last": (
        "The device was removed. From now on you will sign in with your password and a security "
        "code."
    ),
    "devices.not_found": "This device does not exist or was already removed.",
    # native apps
    # administration console
    "admin.console": "Administration console",
    "admin.nav.label": "Console",
    "admin.nav.home": "Home",
    "admin.nav.members": "Members",
    "admin.nav.clients": "Applications",
    "admin.nav.audit": "Audit log",
    "admin.role.admin": "administrator",
    "admin.role.support": "adviser",
    "admin.logout": "Sign out",
    "admin.back_home": "Back to the console's home",
    "admin.cancel": "Cancel",
    "admin.yes": "yes",
    "admin.no": "no",
    "admin.not_found": "This page does not exist or what it showed was deleted.",
    "admin.staff.rejected": "This console account cannot be created.",
    "admin.done.enrolled": "Your account is ready: authenticator app registered.",
    "admin.done.signed_out": "You are signed out of the console.",
    "admin.done.expired": "Signing in took too long: please start again.",
    "admin.done.unlocked": "The member's account is unlocked.",
    "admin.done.not_locked": "The member's account was not locked.",
    "admin.done.contact_changed": (
        "Contact details corrected; the member is told by e-mail (old and new address)."
    ),
    "admin.done.contact_unchanged": "Nothing changed: these details were already on file.",
    "admin.done.activation_sent": "A new activation e-mail was sent to the member.",
    "admin.done.sessions_ended": "The member is signed out of every device.",
    "admin.done.device_removed": "The device was removed from the member's account.",
    "admin.done.created": "The application was created.",
    "admin.done.updated": "The application's settings were saved.",
    "admin.done.disabled": "The application is disabled: nobody can sign in to it any more.",
    "admin.done.enabled": "The application is enabled again.",
    "admin.done.deleted": "The application was deleted.",
    "admin.login.title": "Sign in to the console",
    "admin.login.lead": "For the mutual's administrators and advisers only.",
    "admin.login.email": "Work e-mail address",
    "admin.login.password": "Password",
    "admin.login.submit": "Continue",
    "admin.login.help": (
        "No account yet, or a lost phone? An administrator sends you a setup link "
        "(idp staff create / idp staff reset)."
    ),
    "admin.login.invalid": "Wrong e-mail address or password.",
    "admin.login.fields_required": "Enter your e-mail address and your password.",
    "admin.code.title": "Code from your authenticator app",
    "admin.code.lead": (
        "Open your authenticator app and type the 6-digit code shown for the console."
    ),
    "admin.code.label": "6-digit code",
    "admin.code.submit": "Sign in",
    "admin.code.restart": "Start signing in again",
    "admin.totp.invalid": (
        "Wrong or already used code. Wait for your app's next code, then try again."
    ),
    "admin.setup.title": "Set up your console account",
    "admin.setup.step1": "Step 1 of 2: choose your password.",
    "admin.setup.rule_not_email": "Without your e-mail address",
    "admin.setup.password_personal": "Your password must not contain your e-mail address.",
    "admin.setup.next": "Continue",
    "admin.setup.totp_title": "Register your authenticator app",
    "admin.setup.step2": (
        "Step 2 of 2: every sign-in will ask for a code from your authenticator app (Google "
        "Authenticator, Microsoft Authenticator, FreeOTP…)."
    ),
    "admin.setup.scan": "In the app, add an account by scanning this QR code:",
    "admin.setup.qr_title": "QR code to scan with your authenticator app",
    "admin.setup.manual": "or type this key by hand:",
    "admin.setup.manual_help": "Account: {account}; type: time-based (TOTP).",
    "admin.setup.confirm": "Type below the code the app shows.",
    "admin.setup.finish": "Finish the setup",
    "admin.setup.invalid_title": "Invalid setup link",
    "admin.setup.invalid": (
        "This setup link no longer works: it was used, replaced or has expired (24 hours). Ask "
        "an administrator for a new one."
    ),
    "admin.home.title": "Administration console",
    "admin.home.lead_admin": "You can manage applications, help members and read the audit log.",
    "admin.home.lead_support": "You can help members and read the audit log.",
    "admin.home.members": (
        "Find a member, unlock their account, correct their contact details, resend the "
        "activation e-mail."
    ),
    "admin.home.clients": "Register and manage the applications that use the sign-in.",
    "admin.home.audit": "Who did what, when and from where.",
    "admin.forbidden.title": "Access denied",
    "admin.forbidden.text": "Your role does not allow this page.",
    "admin.members.title": "Members",
    "admin.members.query": "Member number, name or e-mail address",
    "admin.members.query_help": "For instance 100000001, “dupont claire” or claire@example.org.",
    "admin.members.search": "Search",
    "admin.members.results": "Results: {count}",
    "admin.members.more": "Only the first {limit} results are shown: narrow the search.",
    "admin.members.none": "No member matches this search.",
    "admin.member.number": "Member number",
    "admin.member.name": "Name",
    "admin.member.birth_date": "Birth date",
    "admin.member.state": "State",
    "admin.member.activated": "activated",
    "admin.member.not_activated": "not activated yet",
    "admin.member.locked": "locked",
    "admin.member.contracts": "Contracts",
    "admin.member.account": "Account",
    "admin.member.activated_at": "activated on {at}",
    "admin.member.lock": "Lock",
    "admin.member.locked_until": "locked until {at}",
    "admin.member.not_locked": "not locked",
    "admin.member.channels": "Security code sent by",
    "admin.member.no_channel": "nothing on file",
    "admin.member.actions": "Actions",
    "admin.member.unlock": "Unlock the account",
    "admin.member.resend_activation": "Resend the activation e-mail",
    "admin.member.end_sessions": "Sign out of every device ({count})",
    "admin.member.contact": "Correct the contact details",
    "admin.member.contact_help": (
        "Leave empty what does not change. The member is told by e-mail, at the old and the "
        "new address."
    ),
    "admin.member.new_email": "New e-mail address",
    "admin.member.new_phone": "New mobile number",
    "admin.member.now": "Now: {value}",
    "admin.member.remove_phone": "Remove the mobile number",
    "admin.member.save_contact": "Save the contact details",
    "admin.member.devices": "Face ID / fingerprint devices",
    "admin.member.device_dates": "added on {added}, last used: {used}",
    "admin.member.remove_device": "Remove",
    "admin.member.no_devices": "No device.",
    "admin.member.sessions": "Active sessions",
    "admin.member.session": "since {started}, last active {seen}",
    "admin.member.no_sessions": "No active session.",
    "admin.member.recent": "Recent sign-ins",
    "admin.member.all_events": "This member's whole audit log",
    "admin.member.no_events": "No recent sign-in.",
    "admin.member.contact_empty": "Give a new e-mail address or a new mobile number.",
    "admin.member.contact_invalid_email": "This e-mail address is not valid.",
    "admin.member.contact_invalid_phone": (
        "This phone number is not valid (06 12 34 56 78 or +33 6 12 34 56 78)."
    ),
    "admin.member.already_active": "This member's account is already activated.",
    "admin.member.no_email": (
        "No e-mail address on file: correct the member's contact details first."
    ),
    "admin.member.device_not_found": "This device does not exist or was already removed.",
    "admin.contract.health": "health",
    "admin.contract.provident": "provident",
    "admin.channel.sms": "SMS to",
    "admin.channel.email": "e-mail to",
    "admin.audit.title": "Audit log",
    "admin.audit.at": "Date",
    "admin.audit.event": "Event",
    "admin.audit.client": "Application (client_id)",
    "admin.audit.ip": "IP address",
    "admin.audit.actor": "Actor",
    "admin.audit.detail": "Details",
    "admin.audit.event_help": "Exact (client.created) or a start followed by * (login.*).",
    "admin.audit.actor_help": "staff:e-mail address, client:client_id or cli.",
    "admin.audit.since": "From",
    "admin.audit.until": "To (included)",
    "admin.audit.search": "Search",
    "admin.audit.events": "Events, newest first",
    "admin.audit.none": "No event matches.",
    "admin.audit.newest": "Newest events",
    "admin.audit.older": "Older events",
    "admin.audit.bad_date": "Invalid date: use the YYYY-MM-DD format.",
    "admin.audit.bad_text": "A filter held control characters: it was left out.",
    "admin.clients.title": "Applications",
    "admin.clients.new": "Register an application",
    "admin.clients.none": "No application.",
    "admin.client.name": "Name",
    "admin.client.type": "Type",
    "admin.client.state": "State",
    "admin.client.type_confidential": "confidential (with a secret)",
    "admin.client.type_public": "public (mobile app, PKCE)",
    "admin.client.type_confidential_help": "A website or service keeping a secret on its server.",
    "admin.client.type_public_help": "An installed app: no secret, PKCE required.",
    "admin.client.disabled": "disabled",
    "admin.client.enabled": "active",
    "admin.client.managed_by_file": "managed by clients.yaml",
    "admin.client.read_only_help": "read-only: change clients.yaml, then run idp clients sync.",
    "admin.client.read_only": (
        "This application is managed by clients.yaml: change the file, then run idp clients sync."
    ),
    "admin.client.no_secret": "A public application has no secret.",
    "admin.client.second_factor": "Security code",
    "admin.client.second_factor_always": "at every sign-in",
    "admin.client.second_factor_new_device": "only on a new device",
    "admin.client.webauthn": "Face ID / fingerprint",
    "admin.client.webauthn_never": "never offered",
    "admin.client.webauthn_offer": "offered after a full sign-in",
    "admin.client.consent": "Consent",
    "admin.client.consent_implicit": "implicit (the mutual's own application)",
    "admin.client.consent_explicit": "asked of the member",
    "admin.client.access": "Restricted access",
    "admin.client.access_all": "every member",
    "admin.client.access_contract": "Contract required",
    "admin.client.access_message": "Message to members without this contract",
    "admin.client.access_suggest": "Application to suggest to them (client_id)",
    "admin.client.default": "default",
    "admin.client.grace": "Previous secret accepted until",
    "admin.client.created": "Created on",
    "admin.client.edit": "Edit",
    "admin.client.rotate": "Generate a new secret",
    "admin.client.rotate_help": (
        "The previous secret stays accepted during the transition period, while the new one is "
        "rolled out."
    ),
    "admin.client.disable": "Disable",
    "admin.client.enable": "Enable",
    "admin.client.delete": "Delete",
    "admin.client.delete_title": "Delete “{name}”?",
    "admin.client.delete_text": (
        "Nobody will be able to sign in to this application any more; its refresh tokens and "
        "the members' consents are deleted. This cannot be undone."
    ),
    "admin.client.delete_confirm": "Yes, delete for good",
    "admin.client.edit_title": "Edit the application",
    "admin.client.new_title": "Register an application",
    "admin.client.rejected": "These settings are not valid:",
    "admin.client.client_id_help": "Leave empty to have one generated.",
    "admin.client.redirect_uris": "Redirect URIs",
    "admin.client.one_per_line": "One per line, https:// (http:// on loopback only).",
    "admin.client.logout_uris": "Post-logout redirect URIs",
    "admin.client.backchannel": "Back-channel logout URI",
    "admin.client.client_uri": "Application's home page",
    "admin.client.scopes": "Allowed scopes",
    "admin.client.grant_types": "Grant types",
    "admin.client.require_pkce": "PKCE required",
    "admin.client.lifetimes": "Token lifetimes (seconds)",
    "admin.client.ttl_help": "Leave empty for the provider's default.",
    "admin.client.save": "Save",
    "admin.client.create": "Create the application",
    "admin.scope.openid": "sign-in",
    "admin.scope.profile": "names, birth date",
    "admin.scope.email": "e-mail address",
    "admin.scope.phone": "phone number",
    "admin.scope.member": "member number and contracts",
    "admin.scope.offline_access": "long-lived access (refresh token)",
    "admin.scope.idp_admin": "admin API: everything",
    "admin.scope.idp_support": "admin API: member support",
    "admin.secret.title": "Application secret",
    "admin.secret.created": "The application “{name}” was created.",
    "admin.secret.rotated": "A new secret was generated for “{name}”.",
    "admin.secret.once": (
        "Copy this secret now and hand it to the application's team over a safe channel: it "
        "will never be shown again."
    ),
    "admin.secret.grace": "The previous secret stays accepted until {until}.",
    "admin.secret.continue": "I copied the secret: show the application",
    "admin.done.key_added": "The security key is registered: it can replace the code.",
    "admin.done.key_removed": "The security key was removed.",
    "admin.nav.account": "My account",
    "admin.account.title": "My account",
    "admin.account.lead": "{email} · {role}",
    "admin.account.keys": "Security keys",
    "admin.account.keys_help": (
        "A security key (YubiKey, Titan…) can replace your authenticator app's code when you "
        "sign in. The app still works."
    ),
    "admin.account.key_dates": "added on {added}, last used: {used}",
    "admin.account.remove_key": "Remove",
    "admin.account.no_keys": "No security key.",
    "admin.account.key_name": "Name of the key",
    "admin.account.key_default_name": "Security key",
    "admin.account.add_key": "Add a security key",
    "admin.account.keys_unavailable": (
        "Security keys need the console to be served on a host name, not an IP address."
    ),
    "admin.key.failed": "The security key was not recognised. Try again or type the code.",
    "admin.key.not_found": "This security key does not exist or was already removed.",
    "admin.key.exists": "This security key is already registered.",
    "admin.key.network": "The console does not answer. Check the connection and try again.",
    "admin.key.cancelled": "Cancelled, or the key was not recognised. Try again.",
    "admin.key.or": "or",
    "admin.key.use": "Use my security key",
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
    "sessions.device": "{system} — {browser}",
    "sessions.device_system": "{system} — browser",
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
    # recent activity and "it wasn't me" (idp/selfservice/activity.py)
    "activity.title": "My recent activity",
    "activity.intro": (
        "Your latest sign-ins and the attempts refused on your account, newest first."
    ),
    "activity.signed_in_to": "Signed in to {portal}",
    "activity.signed_in": "Signed in",
    "activity.refused_password": "Attempt refused: wrong password",
    "activity.refused_code": "Attempt refused: wrong security code",
    "activity.device": "Device:",
    "activity.portal": "Service:",
    "activity.place": "Approximate place:",
    "activity.none": "No recent sign-in.",
    "activity.back": "Back to my recent activity",
    "activity.not_me_title": "You do not recognise a sign-in?",
    "activity.not_me_intro": (
        "Change your password now: we will also sign out all your other devices."
    ),
    "activity.not_me": "It wasn't me",
    "activity.not_me_lead": "Someone may know your password. In one step, we will:",
    "activity.not_me_step_password": "save your new password;",
    "activity.not_me_step_sign_out": "sign out all your other devices and applications;",
    "activity.not_me_step_notice": "send you a confirmation e-mail.",
    "activity.not_me_stay": "You stay signed in on this device.",
    "activity.not_me_submit": "Change my password and sign out everywhere else",
    "activity.not_me_forgot": "You no longer know your current password?",
    "activity.not_me_done.one": "Your other device was signed out.",
    "activity.not_me_done.other": "Your {count} other devices were signed out.",
    "activity.not_me_done_none": "No other device was signed in.",
    "activity.not_me_next": (
        "Also check that your e-mail address and mobile number are right: "
        "if in doubt, our advisers are there to help."
    ),
    # access rules and consent
    "access.title": "“{client}” is not available to you",
    "access.default_message": "This service is for contracts you do not hold.",
    "access.contract_message": "This service is for members with a {contract} contract.",
    "access.contract.health": "health",
    "access.contract.provident": "provident",
    "access.suggest": "Your services are available in “{client}”.",
    "access.go_to": "Go to “{client}”",
    "access.no_suggestion": "For any question about your contracts, our advisers are here to help.",
    "access.refused": "Your contract does not give access to this service.",
    "consent.title": "“{client}” asks to access your information",
    "consent.intro": "If you continue, you allow “{client}” to receive:",
    "consent.host": "Your information will be sent to the site {host}.",
    "consent.third_party": (
        "This service is not provided by {brand}: it registered itself. Make sure you know it "
        "and that the address above is its own before you allow it."
    ),
    "consent.scope.openid": "your sign-in identifier (nothing else)",
    "consent.scope.profile": "your last name, first name and date of birth",
    "consent.scope.email": "your e-mail address",
    "consent.scope.phone": "your phone number",
    "consent.scope.member": "your member number and the list of your contracts",
    "consent.scope.offline_access": (
        "access to this information even when you are not using the service, for {duration} "
        "at most (you can withdraw it sooner)"
    ),
    "duration.years.one": "{count} year",
    "duration.years.other": "{count} years",
    "duration.days.one": "{count} day",
    "duration.days.other": "{count} days",
    "duration.hours.one": "{count} hour",
    "duration.hours.other": "{count} hours",
    "duration.minutes.one": "{count} minute",
    "duration.minutes.other": "{count} minutes",
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
