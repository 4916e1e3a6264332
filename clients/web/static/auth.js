// Sign-in and invitation pages.
import { h, field, banner, clearErrors, showError, showFieldError, announce } from './dom.js';
import { post, ApiError } from './api.js';

export async function signInPage(ctx) {
  if (ctx.me) return ctx.navigate(ctx.home(), { replace: true });
  const email = field({ label: 'Adresse e-mail', name: 'email', type: 'email', required: true, autocomplete: 'username' });
  const password = field({ label: 'Mot de passe', name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const msg = banner();
  const form = h('form', { class: 'card narrow', novalidate: true }, msg, email, password,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Se connecter')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await post('/v1/sessions', { email: email.control.value.trim(), password: password.control.value });
      await ctx.loadMe();
      announce('Vous êtes connecté·e.');
      await ctx.afterSignIn();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
        msg.textContent = `Connexion refusée : ${err.message}`;
        msg.className = 'banner error';
        announce('Connexion refusée.');
      } else showError(form, err, msg);
    }
  });
  ctx.main.append(h('h1', null, 'Connexion'),
    h('p', { class: 'muted' }, 'Passerelle met en relation les jeunes diplômé·es des Écoles de Production et les entreprises.'),
    form);
}

export async function invitationPage(ctx) {
  const token = decodeURIComponent(ctx.params[0]);
  const name = field({ label: 'Votre nom (affiché aux autres membres)', name: 'display_name', required: true, autocomplete: 'name' });
  const password = field({
    label: 'Mot de passe', name: 'password', type: 'password', required: true, autocomplete: 'new-password', minlength: 12,
    hint: "Au moins 12 caractères, sans votre adresse e-mail ni le nom de votre organisation.",
  });
  const confirm = field({ label: 'Confirmez le mot de passe', name: 'confirm', type: 'password', required: true, autocomplete: 'new-password' });
  const msg = banner();
  const form = h('form', { class: 'card narrow', novalidate: true }, msg, name, password, confirm,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Créer mon compte')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const pw = password.control.value;
    if (pw.length < 12) { showFieldError(password.control, 'Le mot de passe doit faire au moins 12 caractères.'); password.control.focus(); return; }
    if (pw !== confirm.control.value) { showFieldError(confirm.control, 'Les deux mots de passe diffèrent.'); confirm.control.focus(); return; }
    let user;
    try {
      user = await post('/v1/invitations:accept', { invitationToken: token, password: pw, displayName: name.control.value.trim() });
    } catch (err) {
      if (err.error && err.error.field === 'invitation_token') { msg.textContent = err.message; msg.className = 'banner error'; announce(err.message); return; }
      showError(form, err, msg);
      return;
    }
    const mail = user && user.email;
    try {
      if (mail) {
        await post('/v1/sessions', { email: mail, password: pw });
        await ctx.loadMe();
        announce('Compte créé, vous êtes connecté·e.');
        await ctx.navigate(ctx.home(), { replace: true });
        return;
      }
    } catch (err) { /* fall through to the sign-in page */ }
    announce('Compte créé : connectez-vous.');
    await ctx.navigate('/connexion', { replace: true });
  });
  ctx.main.append(h('h1', null, 'Accepter une invitation'),
    h('p', null, 'Choisissez votre mot de passe pour ouvrir votre compte Passerelle.'), form);
}
