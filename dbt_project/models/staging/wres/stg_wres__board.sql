with

source as (

    select * from {{ source('wres', 'wres_board') }}

),

renamed as (

    select
        ---------- ids (trust and year from the file name)
        _file_org_code::varchar as org_code,
        _file_year::integer as reporting_year,
        ethnic_category::varchar as ethnic_category,

        ---------- flags (Y/N in the sheet)
        upper(executive) = 'Y' as is_executive,
        upper(voting) = 'Y' as is_voting,

        ---------- counts
        members::bigint as members,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
