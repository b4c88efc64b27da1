/** The demo company: a German outdoor-gear retailer with web shop, app, stores and a call center. */
export const FIRST_NAMES = ['Anna', 'Lukas', 'Mia', 'Leon', 'Emma', 'Finn', 'Hannah', 'Paul', 'Sofia', 'Jonas', 'Lea', 'Elias', 'Marie', 'Noah', 'Lina', 'Ben', 'Clara', 'Felix', 'Ida', 'Max', 'Ella', 'Tom', 'Greta', 'Karl', 'Ada', 'Jan', 'Nora', 'Emil', 'Frieda', 'Oskar']
export const LAST_NAMES = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Braun', 'Zimmermann', 'Krüger', 'Hartmann', 'Lange', 'Werner', 'Krause', 'Lehmann', 'Köhler', 'Maier', 'Huber', 'Kaiser', 'Fuchs']
export const CITIES = ['Berlin', 'Hamburg', 'München', 'Köln', 'Frankfurt', 'Stuttgart', 'Düsseldorf', 'Leipzig', 'Dortmund', 'Essen', 'Bremen', 'Dresden', 'Hannover', 'Nürnberg', 'Freiburg']

export const PRODUCTS = [
  { product_id: 'P-100', sku: 'TENT-2P', name: 'Trail Tent 2P', category: 'Tents', price: 249 },
  { product_id: 'P-101', sku: 'TENT-4P', name: 'Family Dome 4P', category: 'Tents', price: 389 },
  { product_id: 'P-200', sku: 'BAG-DOWN', name: 'Down Sleeping Bag', category: 'Sleeping', price: 179 },
  { product_id: 'P-201', sku: 'MAT-AIR', name: 'Air Mat', category: 'Sleeping', price: 69 },
  { product_id: 'P-300', sku: 'JKT-RAIN', name: 'Rain Jacket', category: 'Apparel', price: 129 },
  { product_id: 'P-301', sku: 'FLEECE', name: 'Fleece Pullover', category: 'Apparel', price: 59 },
  { product_id: 'P-302', sku: 'SOCKS-3', name: 'Hiking Socks (3)', category: 'Apparel', price: 19 },
  { product_id: 'P-400', sku: 'BOOT-HK', name: 'Hiking Boots', category: 'Footwear', price: 159 },
  { product_id: 'P-500', sku: 'PACK-40', name: 'Backpack 40L', category: 'Packs', price: 119 },
  { product_id: 'P-600', sku: 'STOVE', name: 'Camping Stove', category: 'Cooking', price: 49 },
  { product_id: 'P-601', sku: 'MUG', name: 'Enamel Mug', category: 'Cooking', price: 12 },
  { product_id: 'P-700', sku: 'LAMP', name: 'Head Lamp', category: 'Accessories', price: 35 },
] as const

/** Online campaigns with their UTM parameters, and how often they bring a visit. */
export interface Campaign {
  source: string
  medium: string
  name: string
}

export const CAMPAIGNS: readonly (readonly [Campaign, number])[] = [
  [{ source: 'google', medium: 'cpc', name: 'brand_search' }, 18],
  [{ source: 'google', medium: 'cpc', name: 'generic_tents' }, 10],
  [{ source: 'google', medium: 'organic', name: '' }, 16],
  [{ source: 'facebook', medium: 'social', name: 'spring_outdoor' }, 8],
  [{ source: 'instagram', medium: 'social', name: 'summer_trails' }, 8],
  [{ source: 'newsletter', medium: 'email', name: 'weekly_deals' }, 10],
  [{ source: 'criteo', medium: 'display', name: 'retargeting' }, 6],
  [{ source: 'admob', medium: 'mobile_ad', name: 'app_install' }, 4],
  [{ source: 'outdoorblog', medium: 'affiliate', name: 'gear_reviews' }, 4],
  [{ source: '', medium: '', name: '' }, 16],
]

export const PAGES = ['/', '/tents', '/sleeping', '/apparel', '/footwear', '/packs', '/sale', '/stores', '/blog/packing-list', '/service']

/** Offline touchpoints, recorded as track events with their channel. */
export const OFFLINE_TOUCHPOINTS: readonly (readonly [{ event: string; channel: string }, number])[] = [
  [{ event: 'Catalog Received', channel: 'print' }, 5],
  [{ event: 'Radio Spot Heard', channel: 'radio' }, 2],
  [{ event: 'TV Spot Seen', channel: 'tv' }, 2],
  [{ event: 'Trade Fair Visit', channel: 'event' }, 1],
]

export const STORES = ['Berlin Mitte', 'Hamburg Altona', 'München Zentrum', 'Köln Dom']
