/** Word lists for believable seed data. Fixed lists: changing them changes every seeded row. */

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Ana', 'Arjun', 'Beatriz', 'Ben', 'Carmen', 'Chen', 'Chloe', 'Daniel', 'Diego', 'Elena', 'Emeka',
  'Emma', 'Farah', 'Felix', 'Grace', 'Hana', 'Hugo', 'Ines', 'Isaac', 'Jamal', 'Jana', 'Kai', 'Kenji', 'Lara', 'Leila',
  'Liam', 'Lucia', 'Maya', 'Mateo', 'Mei', 'Nadia', 'Noah', 'Nora', 'Omar', 'Olga', 'Pablo', 'Priya', 'Quinn', 'Rafael',
  'Rosa', 'Sam', 'Sara', 'Sofia', 'Tariq', 'Tess', 'Uma', 'Victor', 'Wei', 'Yara', 'Yusuf', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Adeyemi', 'Andersen', 'Bauer', 'Becker', 'Costa', 'Dubois', 'Edwards', 'Fernandes', 'Garcia', 'Hansen', 'Haddad',
  'Ivanova', 'Jensen', 'Kim', 'Kowalski', 'Larsen', 'Lopez', 'Martin', 'Moreau', 'Nakamura', 'Nguyen', 'Novak', 'Okafor',
  'Olsen', 'Patel', 'Petrov', 'Quinn', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Singh', 'Tanaka', 'Torres', 'Usman',
  'Varga', 'Wagner', 'Wang', 'Weber', 'Williams', 'Yilmaz', 'Zhang',
] as const;

/** City, ISO country code, IANA time zone. */
export const CITIES: ReadonlyArray<readonly [string, string, string]> = [
  ['Amsterdam', 'NL', 'Europe/Amsterdam'],
  ['Austin', 'US', 'America/Chicago'],
  ['Barcelona', 'ES', 'Europe/Madrid'],
  ['Berlin', 'DE', 'Europe/Berlin'],
  ['Buenos Aires', 'AR', 'America/Argentina/Buenos_Aires'],
  ['Cape Town', 'ZA', 'Africa/Johannesburg'],
  ['Chicago', 'US', 'America/Chicago'],
  ['Copenhagen', 'DK', 'Europe/Copenhagen'],
  ['Dublin', 'IE', 'Europe/Dublin'],
  ['Lagos', 'NG', 'Africa/Lagos'],
  ['Lisbon', 'PT', 'Europe/Lisbon'],
  ['London', 'GB', 'Europe/London'],
  ['Melbourne', 'AU', 'Australia/Melbourne'],
  ['Mexico City', 'MX', 'America/Mexico_City'],
  ['Montreal', 'CA', 'America/Toronto'],
  ['Mumbai', 'IN', 'Asia/Kolkata'],
  ['New York', 'US', 'America/New_York'],
  ['Paris', 'FR', 'Europe/Paris'],
  ['Seoul', 'KR', 'Asia/Seoul'],
  ['Singapore', 'SG', 'Asia/Singapore'],
  ['Stockholm', 'SE', 'Europe/Stockholm'],
  ['Tokyo', 'JP', 'Asia/Tokyo'],
  ['Toronto', 'CA', 'America/Toronto'],
  ['Warsaw', 'PL', 'Europe/Warsaw'],
];

export const STREETS = ['Harbour Street', 'Main Street', 'Market Square', 'Station Road', 'Park Avenue', 'River Walk', 'Mill Lane', 'Church Street', 'King Street', 'Garden Row', 'Canal Street', 'High Street'] as const;

export const VENUE_WORDS = ['Hall', 'Arena', 'Loft', 'Theatre', 'Warehouse', 'Pavilion', 'Studio', 'Gallery', 'Forum', 'Club', 'Garden', 'Conservatory'] as const;
export const VENUE_ADJECTIVES = ['Old', 'Grand', 'Blue', 'Riverside', 'Northern', 'Copper', 'Lantern', 'Oak', 'Harbour', 'Union', 'Velvet', 'Signal'] as const;

/** slug, name, description, title nouns. */
export const CATEGORIES: ReadonlyArray<{ slug: string; name: string; description: string; nouns: readonly string[] }> = [
  { slug: 'music', name: 'Music', description: 'Concerts, gigs and DJ sets', nouns: ['Live Session', 'Jazz Night', 'Acoustic Evening', 'Orchestra Gala', 'Vinyl Night'] },
  { slug: 'technology', name: 'Technology', description: 'Meetups, talks and hackathons', nouns: ['Developer Meetup', 'Hackathon', 'Cloud Summit', 'AI Workshop', 'Tech Talks'] },
  { slug: 'business', name: 'Business', description: 'Networking and conferences', nouns: ['Founders Breakfast', 'Leadership Forum', 'Startup Pitch Night', 'Sales Summit'] },
  { slug: 'food-drink', name: 'Food & Drink', description: 'Tastings, supper clubs and markets', nouns: ['Wine Tasting', 'Street Food Market', 'Supper Club', 'Coffee Cupping'] },
  { slug: 'arts', name: 'Arts', description: 'Exhibitions, theatre and film', nouns: ['Gallery Opening', 'Film Screening', 'Poetry Slam', 'Theatre Premiere'] },
  { slug: 'sports', name: 'Sports & Fitness', description: 'Runs, classes and tournaments', nouns: ['City Run', 'Yoga Morning', 'Climbing Jam', '5-a-side Tournament'] },
  { slug: 'education', name: 'Education', description: 'Courses, workshops and lectures', nouns: ['Masterclass', 'Public Lecture', 'Writing Workshop', 'Language Exchange'] },
  { slug: 'community', name: 'Community', description: 'Local gatherings and volunteering', nouns: ['Neighbourhood Cleanup', 'Board Game Night', 'Book Club', 'Repair Cafe'] },
  { slug: 'family', name: 'Family', description: 'Events for all ages', nouns: ['Science Fair', 'Puppet Show', 'Family Picnic', 'Kids Coding Club'] },
  { slug: 'wellness', name: 'Wellness', description: 'Mindfulness and health', nouns: ['Meditation Circle', 'Breathwork Session', 'Sound Bath', 'Wellness Day'] },
  { slug: 'gaming', name: 'Gaming', description: 'Tournaments and launch parties', nouns: ['LAN Party', 'Esports Final', 'Retro Arcade Night', 'Speedrun Marathon'] },
  { slug: 'charity', name: 'Charity', description: 'Fundraisers and galas', nouns: ['Charity Gala', 'Fun Run', 'Benefit Concert', 'Auction Evening'] },
];

export const TITLE_PREFIXES = ['Spring', 'Summer', 'Autumn', 'Winter', 'Late', 'Sunday', 'Friday', 'Open', 'Annual', 'Monthly', 'Grand', 'Community'] as const;
export const TAGS = ['outdoor', 'indoor', 'free-drinks', 'family-friendly', 'networking', 'beginner', 'advanced', 'accessible', 'live', 'workshop', 'online-stream', '18-plus'] as const;
export const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;

export const COMMENTS = [
  'Loved it, will come again.',
  'Great speakers and a friendly crowd.',
  'The venue was too warm but the content was excellent.',
  'Well organised from start to finish.',
  'Started late, otherwise fine.',
  'Sound was a bit quiet at the back.',
  'Best event I have been to this year!',
  'Good value for the price.',
  'Queue at check-in was long.',
  'Exactly what the description promised.',
] as const;

export const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
] as const;

export const REFERRERS = ['https://www.google.com/', 'https://duckduckgo.com/', 'https://www.instagram.com/', 'https://news.ycombinator.com/', 'https://www.linkedin.com/'] as const;

export const LEDGER_EARN_REASONS = ['welcome bonus', 'referral bonus', 'promotion', 'review reward', 'birthday bonus'] as const;
