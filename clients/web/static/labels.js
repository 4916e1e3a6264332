// French labels of the API's enums.

export const ROLE = {
  ROLE_ADMIN: 'Fédération (administration)',
  ROLE_SCHOOL: 'École de Production',
  ROLE_COMPANY: 'Entreprise',
  ROLE_PARTNER: 'Mission locale / partenaire',
  ROLE_GRADUATE: 'Jeune',
  ROLE_GUARDIAN: 'Représentant·e légal·e',
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

// What the position's work is, where the law for young workers depends on
// it (R3163-1, D3162-1, R3164-1, R3164-2, L3164-7). Unset: none of these.
export const WORK_SECTOR = {
  WORK_SECTOR_HOTEL: 'Hôtellerie',
  WORK_SECTOR_RESTAURANT: 'Restauration',
  WORK_SECTOR_BAKERY: 'Boulangerie',
  WORK_SECTOR_PASTRY: 'Pâtisserie',
  WORK_SECTOR_SHOWS: 'Spectacles',
  WORK_SECTOR_HORSE_RACING: 'Courses hippiques',
  WORK_SECTOR_BUILDING_SITE: 'Chantier de bâtiment',
  WORK_SECTOR_PUBLIC_WORKS_SITE: 'Chantier de travaux publics',
  WORK_SECTOR_LANDSCAPING_SITE: 'Chantier paysager',
  WORK_SECTOR_CATERING: 'Traiteur / réceptions',
  WORK_SECTOR_CAFE_TOBACCO: 'Café, tabac, débit de boissons',
  WORK_SECTOR_BUTCHER: 'Boucherie',
  WORK_SECTOR_CHARCUTERIE: 'Charcuterie',
  WORK_SECTOR_CHEESE_DAIRY: 'Fromagerie-crèmerie',
  WORK_SECTOR_FISHMONGER: 'Poissonnerie',
  WORK_SECTOR_FLORIST_GARDEN: 'Fleuriste / jardinerie',
  WORK_SECTOR_FOOD_RETAIL: 'Alimentation (consommation immédiate, détail)',
  WORK_SECTOR_CONTINUOUS_INDUSTRY: 'Industrie à feu continu',
};

// Days of a schedule's shifts (WorkSchedule.shifts: "W1 MON 08:00-12:00").
export const WEEKDAY_SHORT = {
  MON: 'lun.', TUE: 'mar.', WED: 'mer.', THU: 'jeu.', FRI: 'ven.', SAT: 'sam.', SUN: 'dim.',
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
  PROPOSAL_STATE_AWAITING_GUARDIAN: ['Attend le ou la représentant·e légal·e', 'awaiting'],
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

// What a young person asks of their school (GraduateRequest).
export const REQUEST_STATE = {
  GRADUATE_REQUEST_STATE_OPEN: ['En attente', 'open'],
  GRADUATE_REQUEST_STATE_DONE: ['Fait', 'accepted'],
  GRADUATE_REQUEST_STATE_DECLINED: ['Refusée', 'declined'],
  GRADUATE_REQUEST_STATE_UNSPECIFIED: ['—', ''],
};

export const REQUEST_KIND = {
  GRADUATE_REQUEST_KIND_PUT_FORWARD: 'Être proposé·e pour une offre',
  GRADUATE_REQUEST_KIND_CORRECTION: 'Correction de la fiche',
  GRADUATE_REQUEST_KIND_UNSPECIFIED: 'Demande',
};

// The integration events (IntegrationService's Event.type), in the order
// the forms offer them; the technical name shows next to the label, as a
// partner's developer meets it in the payloads.
export const EVENT_TYPE = {
  'proposal.received': 'Proposition reçue',
  'proposal.accepted': 'Proposition acceptée',
  'proposal.declined': 'Proposition déclinée',
  'proposal.expired': 'Proposition expirée',
  'proposal.superseded': 'Proposition remplacée',
  'proposal.withdrawn': 'Proposition retirée',
  'offer.filled': 'Offre pourvue',
  'graduate.placed': 'Jeune placé·e',
  'import.finished': 'Import terminé',
  'webhook.endpoint_disabled': 'Point de réception désactivé',
};

// « Proposition acceptée (proposal.accepted) »; an unknown type as it comes.
export function eventTypeLabel(type) {
  const text = EVENT_TYPE[type];
  return text ? `${text} (${type})` : type || '—';
}

export const WEBHOOK_ENDPOINT_STATE = {
  WEBHOOK_ENDPOINT_STATE_ENABLED: ['Actif', 'accepted'],
  WEBHOOK_ENDPOINT_STATE_DISABLED: ['Désactivé', 'declined'],
  WEBHOOK_ENDPOINT_STATE_UNSPECIFIED: ['—', ''],
};

export const WEBHOOK_DELIVERY_STATE = {
  WEBHOOK_DELIVERY_STATE_PENDING: ['En attente', 'sent'],
  WEBHOOK_DELIVERY_STATE_DELIVERED: ['Remis', 'accepted'],
  WEBHOOK_DELIVERY_STATE_FAILED: ['Abandonné', 'declined'],
  WEBHOOK_DELIVERY_STATE_UNSPECIFIED: ['—', ''],
};
