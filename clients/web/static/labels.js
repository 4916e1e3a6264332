// French labels of the API's enums.

export const ROLE = {
  ROLE_ADMIN: 'Fédération (administration)',
  ROLE_SCHOOL: 'École de Production',
  ROLE_COMPANY: 'Entreprise',
  ROLE_PARTNER: 'Mission locale / partenaire',
};

export const CONTRACT = {
  CONTRACT_TYPE_CDI: 'CDI',
  CONTRACT_TYPE_APPRENTICESHIP: 'Apprentissage',
  CONTRACT_TYPE_PROFESSIONALISATION: 'Professionnalisation',
  CONTRACT_TYPE_CDD: 'CDD',
  CONTRACT_TYPE_UNSPECIFIED: 'Non précisé',
};

// Code du travail L1242-2 (motive) and L1242-8-1 (maximum length).
export const CDD_MOTIVE = {
  CDD_MOTIVE_REPLACEMENT: "Remplacement d'un·e salarié·e absent·e (18 mois max.)",
  CDD_MOTIVE_REPLACEMENT_BEFORE_ABOLITION: 'Remplacement avant suppression du poste (24 mois max.)',
  CDD_MOTIVE_AWAITING_PERMANENT_HIRE: "Attente de l'arrivée d'un·e salarié·e en CDI (9 mois max.)",
  CDD_MOTIVE_TEMPORARY_INCREASE: "Accroissement temporaire d'activité (18 mois max.)",
  CDD_MOTIVE_URGENT_SAFETY_WORK: 'Travaux urgents de sécurité (9 mois max.)',
  CDD_MOTIVE_EXCEPTIONAL_EXPORT_ORDER: "Commande exceptionnelle à l'exportation (6 à 24 mois)",
  CDD_MOTIVE_SEASONAL: 'Emploi saisonnier (18 mois max.)',
  CDD_MOTIVE_CUSTOMARY: "CDD d'usage du secteur (18 mois max.)",
  CDD_MOTIVE_REPLACEMENT_OF_OWNER: "Remplacement d'un·e chef·fe d'entreprise ou d'exploitation (18 mois max.)",
};

export const OFFER_STATUS = {
  OFFER_STATUS_OPEN: ['Ouverte', 'open'],
  OFFER_STATUS_CLOSED: ['Fermée', 'closed'],
  OFFER_STATUS_FILLED: ['Pourvue', 'filled'],
  OFFER_STATUS_UNSPECIFIED: ['—', ''],
};

export const GRADUATE_STATUS = {
  GRADUATE_STATUS_SEEKING: ['En recherche', 'seeking'],
  GRADUATE_STATUS_PLACED: ['Placé·e', 'placed'],
  GRADUATE_STATUS_WITHDRAWN: ['Sorti·e du dispositif', 'withdrawn'],
  GRADUATE_STATUS_UNSPECIFIED: ['—', ''],
};

export const PROPOSAL_STATE = {
  PROPOSAL_STATE_SENT: ['Envoyée', 'sent'],
  PROPOSAL_STATE_ACCEPTED: ['Acceptée', 'accepted'],
  PROPOSAL_STATE_DECLINED: ['Déclinée', 'declined'],
  PROPOSAL_STATE_WITHDRAWN: ['Retirée', 'withdrawn'],
  PROPOSAL_STATE_EXPIRED: ['Expirée', 'expired'],
  PROPOSAL_STATE_SUPERSEDED: ['Remplacée', 'superseded'],
  PROPOSAL_STATE_UNSPECIFIED: ['—', ''],
};

export const DIPLOMA_STATUS = {
  DIPLOMA_STATUS_IN_PROGRESS: 'En cours',
  DIPLOMA_STATUS_OBTAINED: 'Obtenu',
  DIPLOMA_STATUS_UNSPECIFIED: '—',
};

export const USER_STATE = {
  USER_STATE_INVITED: 'Invité·e',
  USER_STATE_ACTIVE: 'Actif',
  USER_STATE_DISABLED: 'Désactivé',
  USER_STATE_UNSPECIFIED: '—',
};

export function label(map, value) {
  const v = map[value || ''];
  if (v === undefined) return value || '—';
  return Array.isArray(v) ? v[0] : v;
}

export function kind(map, value) {
  const v = map[value || ''];
  return Array.isArray(v) ? v[1] : '';
}

// Names of the score's factors (Factor.name) and of the rules that exclude
// an offer (Exclusion.rule); unknown names show as they come.
export const FACTOR = {
  skills: 'Compétences',
  distance: 'Distance',
  trade: 'Métier',
  contract_preference: 'Contrat souhaité',
  salary: 'Salaire',
  freshness: 'Fraîcheur',
  offer_fit: 'Adéquation au diplôme',
  diploma: 'Diplôme',
  level: 'Niveau',
  licence: 'Permis',
};
